using System.Globalization;
using GrainLimiter.Policies;
using YamlDotNet.Core;

namespace GrainLimiter.Config.Envoy;

/// <summary>
/// Turns one descriptor file's model into its domain's descriptor tree, each counted limit bound to its policy, and reports
/// every problem as "file (line L, column C): path: problem". The walk checks each field in turn and reports the problem of
/// shape the reader kept for it right before its problems of value, so problems come out in one order whatever their kind.
/// A descriptor without a key or defined twice is skipped with all it holds; a problem with the domain ends the file.
/// </summary>
internal sealed class EnvoyConfigValidator(string file, List<string> errors, bool mergeDomains)
{
    // A descriptor's requests_per_unit is a rate: only the window and bucket algorithms read it as one.
    private static readonly Dictionary<string, LimitAlgorithmKind> Algorithms = PolicyFileLoader.Algorithms
        .Where(static a => a.Value is LimitAlgorithmKind.FixedWindow or LimitAlgorithmKind.SlidingWindow or LimitAlgorithmKind.SlidingLog
            or LimitAlgorithmKind.TokenBucket or LimitAlgorithmKind.Gcra)
        .ToDictionary(StringComparer.Ordinal);

    /// <summary>Adds the file's descriptors to its domain's tree in <paramref name="domains"/>; <paramref name="domainFiles"/>
    /// names the first file of each domain, which a second file of it may join only with <c>mergeDomains</c>.</summary>
    public void Validate(EnvoyFileModel model, Dictionary<string, EnvoyDescriptorNode> domains, Dictionary<string, string> domainFiles)
    {
        errors.AddRange(model.UnknownFields);
        var domain = Text(model.Domain);
        if (string.IsNullOrEmpty(domain))
        {
            Error(model.Start, model.Domain.Path, "is required and must not be empty.");
            return;
        }

        if (domainFiles.TryGetValue(domain, out var other) && !mergeDomains)
        {
            Error(model.Domain, $"'{domain}' is already defined in {other}; each domain is configured in one file " +
                "unless GrainLimiter:Envoy:MergeDomainConfig is true (envoyproxy/ratelimit's MERGE_DOMAIN_CONFIG).");
            return;
        }

        domainFiles.TryAdd(domain, file);
        if (!domains.TryGetValue(domain, out var tree))
        {
            domains[domain] = tree = new EnvoyDescriptorNode();
        }

        Descriptors(model.Descriptors, domain, domain + ".", tree);
    }

    private void Descriptors(EnvoyDescriptorList list, string domain, string parentKey, EnvoyDescriptorNode parent)
    {
        if (list.NotAList is { } notAList)
        {
            errors.Add(notAList);
            return;
        }

        foreach (var item in list.Items)
        {
            if (item.NotAMapping is { } notAMapping)
            {
                errors.Add(notAMapping);
                continue;
            }

            errors.AddRange(item.UnknownFields);
            var key = Text(item.Key);
            if (string.IsNullOrEmpty(key))
            {
                Error(item.Start, item.Key.Path, "is required and must not be empty.");
                continue;
            }

            var value = Text(item.Value);
            var childKey = EnvoyDescriptorNode.ChildKey(key, value);
            var fullKey = parentKey + childKey;
            if (parent.Children.ContainsKey(childKey))
            {
                Error(item.Start, item.Path, $"duplicate descriptor '{fullKey}' at this level.");
                continue;
            }

            var shareThreshold = Bool(item.ShareThreshold);
            var wildcard = WildcardPattern.HasWildcard(childKey);
            if (shareThreshold && !wildcard)
            {
                Error(item.ShareThreshold, $"applies only to a wildcard value (one holding '*'); '{childKey}' has none.");
            }

            var child = new EnvoyDescriptorNode { ValueToMetric = Bool(item.ValueToMetric), ShareThreshold = shareThreshold };
            parent.Children[childKey] = child;
            if (wildcard)
            {
                parent.Wildcards.Add((new WildcardPattern(childKey), child));
            }

            var options = new DescriptorOptions(Bool(item.ShadowMode), Bool(item.QuotaMode), Bool(item.DetailedMetric), Metadata(item.Metadata));
            if (item.RateLimit is { } rateLimit)
            {
                child.Limit = Limit(rateLimit, domain, fullKey, options);
            }

            Descriptors(item.Descriptors, domain, fullKey + ".", child);
        }
    }

    /// <summary>What a descriptor says about its limit besides <c>rate_limit</c>.</summary>
    private readonly record struct DescriptorOptions(bool ShadowMode, bool QuotaMode, bool DetailedMetric, Google.Protobuf.WellKnownTypes.Struct? Metadata);

    private Google.Protobuf.WellKnownTypes.Struct? Metadata(EnvoyMetadataModel metadata)
    {
        if (metadata.Problem is { } problem)
        {
            errors.Add(problem);
        }

        return metadata.Value;
    }

    private EnvoyLimit? Limit(EnvoyRateLimitModel model, string domain, string fullKey, DescriptorOptions options)
    {
        if (model.NotAMapping is { } notAMapping)
        {
            errors.Add(notAMapping);
            return null;
        }

        errors.AddRange(model.UnknownFields);
        var unlimited = Bool(model.Unlimited);
        var unitName = Text(model.Unit);
        var unit = default(Protocol.Envoy.RateLimit.RateLimitResponse.Types.RateLimit.Types.Unit);
        var validUnit = unitName is not null && EnvoyUnit.TryParse(unitName, out unit);
        if (unlimited && unitName is not null)
        {
            Error(model.Unit, "must not be set when 'unlimited' is true.");
        }
        else if (!unlimited && !validUnit)
        {
            Error(model.Unit, unitName is null ? $"is required: one of {EnvoyUnit.Names}."
                : $"'{unitName}' is not a unit; use one of {EnvoyUnit.Names}{Suggestion.EndWithDidYouMean(unitName, EnvoyUnit.Names.Split(", "))}");
        }

        uint requestsPerUnit = 0;
        if (Text(model.RequestsPerUnit) is { } rpu && !uint.TryParse(rpu, NumberStyles.None, CultureInfo.InvariantCulture, out requestsPerUnit))
        {
            Error(model.RequestsPerUnit, $"'{rpu}' is not a whole number between 0 and {uint.MaxValue}.");
        }

        var name = Text(model.Name);
        var replaces = model.Replaces is { } replacesList ? Replaces(replacesList, name) : [];

        var algorithm = LimitAlgorithmKind.FixedWindow;
        if (Text(model.Algorithm) is { } algorithmName && !Algorithms.TryGetValue(algorithmName, out algorithm))
        {
            Error(model.Algorithm, $"'{algorithmName}' is not supported for descriptors; use one of {string.Join(", ", Algorithms.Keys)}.");
        }

        long? burst = null;
        if (Text(model.Burst) is { } burstText)
        {
            if (long.TryParse(burstText, NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b >= 1)
            {
                burst = b;
            }
            else
            {
                Error(model.Burst, $"'{burstText}' is not a whole number of at least 1.");
            }
        }

        var scope = LimitScope.Region;
        switch (Text(model.Scope))
        {
            case null or "region":
                break;
            case "global" when PolicyDefinition.CanBeGlobal(algorithm):
                scope = LimitScope.Global;
                break;
            case "global":
                Error(model.Scope, $"global is not supported by algorithm '{model.Algorithm.Text}' (use fixed_window, sliding_window, token_bucket or gcra).");
                break;
            case { } other:
                Error(model.Scope, $"'{other}' is not a scope; use region or global.");
                break;
        }

        var limit = new EnvoyLimit
        {
            Domain = domain,
            FullKey = fullKey,
            RequestsPerUnit = requestsPerUnit,
            Unit = unit,
            Unlimited = unlimited,
            Name = string.IsNullOrEmpty(name) ? null : name,
            Replaces = replaces,
            ShadowMode = options.ShadowMode,
            QuotaMode = options.QuotaMode,
            DetailedMetric = options.DetailedMetric,
            Metadata = options.Metadata,
            Algorithm = algorithm,
        };
        if (unlimited || !validUnit)
        {
            return limit;
        }

        var policy = new PolicyDefinition
        {
            Name = EnvoyConfigLoader.PolicyPrefix + fullKey,
            ShadowMode = options.ShadowMode,
            Scope = scope,
            Limits =
            [
                new LimitSpec
                {
                    Algorithm = algorithm,
                    Limit = requestsPerUnit,
                    Window = EnvoyUnit.Window(unit)!.Value,
                    Burst = burst,
                    Name = limit.Name ?? fullKey,
                },
            ],
        };
        if (CountingProblem(algorithm, requestsPerUnit, burst, policy.Limits[0].Window) is { } problem)
        {
            Error(model.Start, model.Path, problem);
            return limit;
        }

        return limit with { Policy = policy };
    }

    /// <summary>The names a limit replaces; an empty name, or the limit's own, is a problem and left out.</summary>
    private List<string> Replaces(EnvoyReplacesList list, string? ownName)
    {
        var replaces = new List<string>();
        if (list.NotAList is { } notAList)
        {
            errors.Add(notAList);
            return replaces;
        }

        foreach (var item in list.Names)
        {
            var replaced = Text(item);
            if (string.IsNullOrEmpty(replaced))
            {
                Error(item, "is required and must not be empty.");
            }
            else if (replaced == ownName)
            {
                Error(item, $"'{replaced}' is this limit's own name; a limit cannot replace itself.");
            }
            else
            {
                replaces.Add(replaced);
            }
        }

        return replaces;
    }

    /// <summary>What the limit's algorithm cannot count (the bounds the algorithms accept), or null.</summary>
    private static string? CountingProblem(LimitAlgorithmKind algorithm, uint requestsPerUnit, long? burst, TimeSpan window) => algorithm switch
    {
        LimitAlgorithmKind.TokenBucket or LimitAlgorithmKind.Gcra when requestsPerUnit == 0 =>
            "cannot be counted: requests_per_unit must be at least 1 for token_bucket and gcra.",
        LimitAlgorithmKind.TokenBucket or LimitAlgorithmKind.Gcra when LimitBounds.RefillTooLong(burst ?? requestsPerUnit, requestsPerUnit, window) =>
            $"cannot be counted: refilling a burst of {burst} would take over 1000 years; lower burst.",
        LimitAlgorithmKind.SlidingLog when requestsPerUnit > LimitBounds.MaxLogLimit =>
            $"cannot be counted: requests_per_unit must be at most {LimitBounds.MaxLogLimit} for sliding_log (it keeps one timestamp per request).",
        _ => null,
    };

    /// <summary>A field's text; first reports why it could not be read, when it could not.</summary>
    private string? Text(EnvoyText field)
    {
        if (field.Problem is { } problem)
        {
            errors.Add(problem);
        }

        return field.Text;
    }

    private bool Bool(EnvoyText field)
    {
        if (Text(field) is not { } text)
        {
            return false;
        }

        // YAML 1.1 booleans, as envoyproxy/ratelimit's parser reads them (true, yes, on...).
        if (EnvoyMetadata.Boolean(text) is not { } result)
        {
            Error(field, $"'{text}' is not true or false.");
            return false;
        }

        return result;
    }

    private void Error(EnvoyText field, string problem) => Error(field.At, field.Path, problem);

    private void Error(Mark at, string path, string problem) => errors.Add(YamlNodes.Problem(file, at, $"{path}: {problem}"));
}
