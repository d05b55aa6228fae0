using System.Globalization;
using GrainLimiter.Policies;
using GrainLimiter.QuotaBuckets;
using YamlDotNet.RepresentationModel;

namespace GrainLimiter.Config.Envoy;

/// <summary>Reads the policy file's <c>quotaBuckets</c> section (Rate Limit Quota Service buckets); every problem is
/// reported with its line, the entry and the field.</summary>
internal static class QuotaBucketRulesReader
{
    public static readonly string[] Fields = ["name", "domain", "match", "limit", "window", "strategy", "assignmentTtl", "abandonAfter"];
    private static readonly Dictionary<string, QuotaStrategy> Strategies = new(StringComparer.Ordinal)
    {
        ["requests_per_time_unit"] = QuotaStrategy.RequestsPerTimeUnit,
        ["token_bucket"] = QuotaStrategy.TokenBucket,
    };

    private static readonly TimeSpan[] TimeUnits =
        [TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(7)];

    public static QuotaBucketRules Read(YamlNode? node, string file, List<string> errors)
    {
        if (YamlNodes.IsEmpty(node))
        {
            return QuotaBucketRules.None;
        }

        if (node is not YamlSequenceNode list)
        {
            errors.Add(YamlNodes.Problem(file, node!.Start, "quotaBuckets: must be a list of buckets (each item starting with '- ')."));
            return QuotaBucketRules.None;
        }

        var rules = new List<QuotaBucketRule>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < list.Children.Count; i++)
        {
            var before = errors.Count;
            var rule = Rule(list.Children[i], $"quotaBuckets[{i}]", file, errors);
            if (rule is not null && !names.Add(rule.Spec.Name))
            {
                errors.Add(YamlNodes.Problem(file, list.Children[i].Start, $"quotaBuckets[{i}] '{rule.Spec.Name}': name: is used by another bucket."));
            }
            else if (rule is not null && errors.Count == before)
            {
                rules.Add(rule);
            }
        }

        return new QuotaBucketRules(rules);
    }

    private static QuotaBucketRule? Rule(YamlNode node, string path, string file, List<string> errors)
    {
        if (node is not YamlMappingNode map)
        {
            errors.Add(YamlNodes.Problem(file, node.Start, $"{path}: must be a mapping of a bucket's fields ({string.Join(", ", Fields)})."));
            return null;
        }

        var before = errors.Count;
        void Error(string field, string problem) =>
            errors.Add(YamlNodes.Problem(file, (YamlNodes.Child(map, field) ?? map).Start, $"{path}.{field}: {problem}"));
        string? Scalar(string field)
        {
            var value = YamlNodes.Child(map, field);
            if (value is null || YamlNodes.IsEmpty(value))
            {
                return null;
            }

            if (value is YamlScalarNode scalar)
            {
                return scalar.Value;
            }

            Error(field, "must be a single value, not a list or a mapping.");
            return null;
        }

        TimeSpan Duration(string field, TimeSpan fallback, TimeSpan min)
        {
            if (Scalar(field) is not { } text)
            {
                return fallback;
            }

            if (!DurationParser.TryParse(text, out var duration) || duration < min)
            {
                Error(field, $"must be a duration of at least {min.TotalSeconds:0.###}s such as 10s, 1m or 1h; got '{text}'.");
            }

            return duration;
        }

        var name = Scalar("name");
        if (string.IsNullOrWhiteSpace(name))
        {
            Error("name", "is required.");
        }
        else
        {
            path = $"{path} '{name}'";
        }

        YamlNodes.CheckFields(map, path, "a quota bucket", Fields, file, errors);
        var limitText = Scalar("limit");
        if (!long.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) || limit > LimitBounds.MaxCount)
        {
            Error("limit", $"must be a whole number from 0 (deny all) to {LimitBounds.MaxCount}: " +
                $"requests per window shared by every Envoy reporting the bucket; got '{limitText}'.");
        }

        var strategyText = Scalar("strategy") ?? "requests_per_time_unit";
        if (!Strategies.TryGetValue(strategyText, out var strategy))
        {
            Error("strategy",
                $"must be requests_per_time_unit or token_bucket; got '{strategyText}'{Suggestion.EndWithDidYouMean(strategyText, Strategies.Keys)}");
        }

        var window = Duration("window", TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
        if (Scalar("window") is null)
        {
            Error("window", "is required: the window the limit counts over (1s, 1m, 1h, 1d or 1w for requests_per_time_unit).");
        }
        else if (strategy == QuotaStrategy.RequestsPerTimeUnit && window > TimeSpan.Zero && !TimeUnits.Contains(window))
        {
            Error("window", "must be one time unit (1s, 1m, 1h, 1d or 1w) for requests_per_time_unit, as Envoy's RateLimitUnit has; "
                + $"got '{Scalar("window")}' (token_bucket takes any window).");
        }

        var ttl = Duration("assignmentTtl", TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1));
        var abandonAfter = Duration("abandonAfter", TimeSpan.FromMinutes(5), TimeSpan.FromSeconds(1));
        var match = new List<(string, WildcardPattern)>();
        switch (YamlNodes.Child(map, "match"))
        {
            case YamlMappingNode entries when entries.Children.Count > 0:
                foreach (var (key, value) in entries.Children)
                {
                    if (key is YamlScalarNode { Value: { Length: > 0 } k } && value is YamlScalarNode { Value: { Length: > 0 } v })
                    {
                        match.Add((k, new WildcardPattern(v)));
                    }
                    else
                    {
                        errors.Add(YamlNodes.Problem(file, key.Start,
                            $"{path}.match: every entry is a bucket id key and a value (or a pattern with '*'), both non-empty."));
                    }
                }

                break;
            default:
                Error("match", "is required: the bucket id entries this bucket covers, e.g. { name: api } or { name: api, tenant: \"*\" }.");
                break;
        }

        return errors.Count > before ? null
            : new QuotaBucketRule(new QuotaBucketSpec(name!, limit, window, strategy, ttl, abandonAfter), Scalar("domain"), match);
    }
}
