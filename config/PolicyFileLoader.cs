using System.Globalization;
using GrainLimiter.Policies;
using YamlDotNet.Core;

namespace GrainLimiter.Config;

/// <summary>Reads and validates a policy file. Every problem is reported at once, each naming line, policy, field and problem.</summary>
public static partial class PolicyFileLoader
{
    /// <summary>Every algorithm by its name in a file, in the order error messages list them.</summary>
    internal static readonly Dictionary<string, LimitAlgorithmKind> Algorithms = new(StringComparer.Ordinal)
    {
        ["fixed_window"] = LimitAlgorithmKind.FixedWindow,
        ["sliding_window"] = LimitAlgorithmKind.SlidingWindow,
        ["sliding_log"] = LimitAlgorithmKind.SlidingLog,
        ["token_bucket"] = LimitAlgorithmKind.TokenBucket,
        ["gcra"] = LimitAlgorithmKind.Gcra,
        ["leaky_bucket"] = LimitAlgorithmKind.LeakyBucket,
        ["concurrency"] = LimitAlgorithmKind.Concurrency,
        ["quota"] = LimitAlgorithmKind.Quota,
    };

    /// <summary>The policies of the file at <paramref name="path"/>.</summary>
    public static IReadOnlyList<PolicyDefinition> LoadFile(string path) => ReadFile(path).Policies;

    /// <summary>Validates policy-file YAML and returns its policies; <paramref name="source"/> is what problems call the file.</summary>
    public static IReadOnlyList<PolicyDefinition> Parse(string yaml, string source) => ParseFile(yaml, source).Policies;

    /// <summary>Every section of the file at <paramref name="path"/>: its policies and its quota buckets.</summary>
    public static PolicyFile ReadFile(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new PolicyFileException($"{path}: cannot be read: {e.Message}", e);
        }

        return ParseFile(text, path);
    }

    /// <summary>Validates every section of policy-file YAML; <paramref name="source"/> is what problems call the file.</summary>
    public static PolicyFile ParseFile(string yaml, string source)
    {
        var errors = new List<string>();
        var model = PolicyFileReader.Read(yaml, source, errors);
        var policies = new List<PolicyDefinition>();
        var buckets = Envoy.QuotaBucketRules.None;
        if (model is not null)
        {
            buckets = Envoy.QuotaBucketRulesReader.Read(model.QuotaBuckets, source, errors);
            new Validator(source, errors).Policies(model, policies, quotaBucketsOnly: buckets.Rules.Count > 0 && model.Policies is null);
        }

        return errors.Count > 0 ? throw new PolicyFileException(source, errors) : new PolicyFile(policies, buckets);
    }

    private sealed partial class Validator(string source, List<string> errors)
    {
        public void Policies(PolicyFileModel model, List<PolicyDefinition> policies, bool quotaBucketsOnly)
        {
            if (quotaBucketsOnly)
            {
                return;
            }

            if (model.Policies is not { Count: > 0 })
            {
                Error(model.At("policies"), "policies: at least one policy is required.");
                return;
            }

            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < model.Policies.Count; i++)
            {
                if (model.Policies[i] is not { } written)
                {
                    continue; // reported by the reader
                }

                var policy = Policy(written, $"policies[{i}]");
                if (policy is not null && !names.Add(policy.Name))
                {
                    Error(written.At("name"), $"policies[{i}] '{policy.Name}': name: is used by another policy.");
                }
                else if (policy is not null)
                {
                    policies.Add(policy);
                }
            }
        }

        private PolicyDefinition? Policy(PolicyModel model, string path)
        {
            var errorCount = errors.Count;
            if (string.IsNullOrWhiteSpace(model.Name))
            {
                Error(model.At("name"), $"{path}.name: is required.");
            }
            else
            {
                path = $"{path} '{model.Name}'";
            }

            var shadowMode = false;
            if (model.ShadowMode is not null && !bool.TryParse(model.ShadowMode, out shadowMode))
            {
                Error(model.At("shadowMode"), $"{path}: shadowMode: must be true or false, not '{model.ShadowMode}'.");
            }

            var failureMode = model.FailureMode switch
            {
                null or "open" => FailureMode.Open,
                "closed" => FailureMode.Closed,
                _ => Fail(model.At("failureMode"), $"{path}: failureMode: must be 'open' or 'closed', "
                    + $"not '{model.FailureMode}'{Suggestion.EndWithDidYouMean(model.FailureMode, ["open", "closed"])}", FailureMode.Open),
            };

            var scope = model.Scope switch
            {
                null or "region" => LimitScope.Region,
                "global" => LimitScope.Global,
                _ => Fail(model.At("scope"), $"{path}: scope: must be 'region' or 'global', "
                    + $"not '{model.Scope}'{Suggestion.EndWithDidYouMean(model.Scope, ["region", "global"])}", LimitScope.Region),
            };

            var leases = model.Leases switch
            {
                null or "auto" => LeaseMode.Auto,
                "off" => LeaseMode.Off,
                _ => Fail(model.At("leases"), $"{path}: leases: must be 'auto' or 'off', "
                    + $"not '{model.Leases}'{Suggestion.EndWithDidYouMean(model.Leases, ["auto", "off"])}", LeaseMode.Auto),
            };

            if (model.Limits is not { Count: > 0 })
            {
                if (model.Limits is null && !model.Marks.ContainsKey("limits") || model.Limits is { Count: 0 })
                {
                    Error(model.At("limits"), $"{path}: limits: at least one limit is required.");
                }

                return null;
            }

            if (model.Limits.Count > 16)
            {
                Error(model.At("limits"), $"{path}: limits: at most 16 limits are allowed in one policy.");
            }

            var limits = model.Limits.Select((limit, i) => limit is null ? null : Limit(limit, $"{path}: limits[{i}]")).ToList();
            if (scope == LimitScope.Global)
            {
                for (var i = 0; i < limits.Count; i++)
                {
                    if (limits[i] is { } limit && !PolicyDefinition.CanBeGlobal(limit.Algorithm))
                    {
                        Error(model.At("scope"), $"{path}: scope: global is not supported by limits[{i}].algorithm '{model.Limits[i]!.Algorithm}' " +
                            "(global works for fixed_window, sliding_window, quota, token_bucket and gcra).");
                    }
                }
            }

            for (var i = 0; i < limits.Count && scope == LimitScope.Global; i++)
            {
                if (limits[i]?.Adaptive is not null)
                {
                    Error(model.At("scope"), $"{path}: scope: global does not apply to limits[{i}], which is adaptive: " +
                        "adaptive limits are regional: each region's grain learns from the reports it gets.");
                }
            }

            if (limits.Count(l => l?.Algorithm == LimitAlgorithmKind.Concurrency) > 1)
            {
                Error(model.At("limits"), $"{path}: limits: at most one concurrency limit is allowed in one policy.");
            }

            return errors.Count > errorCount || limits.Contains(null)
                ? null
                : new PolicyDefinition
                {
                    Name = model.Name!, Limits = limits!, ShadowMode = shadowMode, FailureMode = failureMode, Scope = scope, Leases = leases
                };
        }

        private LimitSpec? Limit(LimitModel model, string path)
        {
            var errorCount = errors.Count;
            if (model.Algorithm is null || !Algorithms.TryGetValue(model.Algorithm, out var algorithm))
            {
                Error(model.At("algorithm"), $"{path}.algorithm: must be one of {string.Join(", ", Algorithms.Keys)}; "
                    + $"got '{model.Algorithm}'{Suggestion.EndWithDidYouMean(model.Algorithm, Algorithms.Keys)}");
                return null;
            }

            var maxLimit = LimitBounds.MaxLimit(algorithm);
            var limit = WholeNumber(model.Limit);
            if (limit is not { } l || l < 1 || l > maxLimit)
            {
                Error(model.At("limit"), $"{path}.limit: must be a whole number from 1 to {maxLimit} for {model.Algorithm}; got '{model.Limit}'.");
            }

            var usesWindow = algorithm is not (LimitAlgorithmKind.Concurrency or LimitAlgorithmKind.Quota);
            var window = usesWindow ? Duration(model.Window, model.At("window"), $"{path}.window") : TimeSpan.Zero;
            if (!usesWindow && model.Window is not null)
            {
                Error(model.At("window"),
                    $"{path}.window: does not apply to {model.Algorithm}{(algorithm == LimitAlgorithmKind.Quota ? " (use period)" : "")}.");
            }

            long? burst = null;
            if (model.Burst is not null && algorithm is not (LimitAlgorithmKind.TokenBucket or LimitAlgorithmKind.Gcra))
            {
                Error(model.At("burst"), $"{path}.burst: applies only to token_bucket and gcra.");
            }
            else if (model.Burst is not null && (WholeNumber(model.Burst) is not { } b || b is < 1 or > LimitBounds.MaxCount))
            {
                Error(model.At("burst"), $"{path}.burst: must be a whole number from 1 to {LimitBounds.MaxCount}; got '{model.Burst}'.");
            }
            else
            {
                burst = WholeNumber(model.Burst);
            }

            if (algorithm is LimitAlgorithmKind.TokenBucket or LimitAlgorithmKind.Gcra && limit is >= 1 && window > TimeSpan.Zero
                && LimitBounds.RefillTooLong(burst ?? limit.Value, limit.Value, window))
            {
                Error(model.At(model.Burst is null ? "limit" : "burst"),
                    $"{path}.burst: refilling {burst ?? limit} at {limit} per {model.Window} would take over 1000 years; lower burst or window.");
            }

            var period = QuotaPeriod.Day;
            var timeZone = TimeZoneInfo.Utc;
            if (algorithm == LimitAlgorithmKind.Quota)
            {
                period = model.Period switch
                {
                    null or "day" => QuotaPeriod.Day,
                    "week" => QuotaPeriod.Week,
                    "month" => QuotaPeriod.Month,
                    _ => Fail(model.At("period"), $"{path}.period: must be day, week or month; "
                        + $"got '{model.Period}'{Suggestion.EndWithDidYouMean(model.Period, ["day", "week", "month"])}", QuotaPeriod.Day),
                };
                if (model.TimeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(model.TimeZone, out timeZone!))
                {
                    Error(model.At("timeZone"), $"{path}.timeZone: unknown time zone '{model.TimeZone}' (use an IANA name such as Europe/Paris).");
                }
            }
            else if (model.Period is not null || model.TimeZone is not null)
            {
                Error(model.At(model.Period is null ? "timeZone" : "period"), $"{path}: period and timeZone apply only to quota.");
            }

            double? alertAt = null;
            if (model.AlertAt is not null)
            {
                alertAt = double.TryParse(model.AlertAt, NumberStyles.Float, CultureInfo.InvariantCulture, out var a) ? a : double.NaN;
                if (alertAt is <= 0 or > 1 || double.IsNaN(alertAt.Value))
                {
                    Error(model.At("alertAt"), $"{path}.alertAt: must be a fraction of the limit in (0, 1], e.g. 0.9375; got '{model.AlertAt}'.");
                }
            }

            var maxWait = algorithm == LimitAlgorithmKind.LeakyBucket
                ? model.MaxWait is null ? window : Duration(model.MaxWait, model.At("maxWait"), $"{path}.maxWait")
                : NotApplicable(model.MaxWait, model.At("maxWait"), $"{path}.maxWait", "leaky_bucket");
            var leaseTtl = algorithm == LimitAlgorithmKind.Concurrency
                ? model.LeaseTtl is null ? TimeSpan.FromMinutes(1) : Duration(model.LeaseTtl, model.At("leaseTtl"), $"{path}.leaseTtl")
                : NotApplicable(model.LeaseTtl, model.At("leaseTtl"), $"{path}.leaseTtl", "concurrency");
            var start = limit is >= 1 && limit <= maxLimit ? limit : null;
            var adaptive = model.Adaptive is null ? null : Adaptive(model.Adaptive, algorithm, model.Algorithm, start, $"{path}.adaptive");

            return errors.Count > errorCount ? null : new LimitSpec
            {
                Algorithm = algorithm,
                Limit = limit!.Value,
                Window = window,
                Burst = burst,
                Period = period,
                TimeZone = timeZone,
                AlertAt = alertAt,
                MaxWait = maxWait,
                LeaseTtl = leaseTtl,
                Adaptive = adaptive,
                Name = model.Name,
            };
        }

        private static long? WholeNumber(string? text) =>
            long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;

        private TimeSpan Duration(string? text, Mark at, string path)
        {
            if (!DurationParser.TryParse(text, out var duration))
            {
                Error(at, $"{path}: must be a duration such as 250ms, 1s, 1m, 1h, 1d or 1w (at most 3660d); got '{text}'.");
            }

            return duration;
        }

        private TimeSpan NotApplicable(string? value, Mark at, string path, string algorithm)
        {
            if (value is not null)
            {
                Error(at, $"{path}: applies only to {algorithm}.");
            }

            return TimeSpan.Zero;
        }

        private T Fail<T>(Mark at, string error, T fallback)
        {
            Error(at, error);
            return fallback;
        }

        private void Error(Mark at, string problem) => errors.Add(YamlNodes.Problem(source, at, problem));
    }
}
