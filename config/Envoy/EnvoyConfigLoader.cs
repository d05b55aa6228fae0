using System.Globalization;
using GrainLimiter.Policies;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GrainLimiter.Config.Envoy;

/// <summary>
/// Loads descriptor configuration in envoyproxy/ratelimit's YAML format, every field of its schema: <c>domain</c>, nested
/// <c>descriptors</c> with <c>key</c>, optional <c>value</c> (<c>*</c> anywhere is a wildcard), <c>rate_limit</c>
/// {<c>unit</c>, <c>requests_per_unit</c>, <c>unlimited</c>, <c>name</c>, <c>replaces</c>}, <c>shadow_mode</c>,
/// <c>quota_mode</c>, <c>detailed_metric</c>, <c>value_to_metric</c>, <c>share_threshold</c>, <c>metadata</c>.
/// Extensions: <c>rate_limit.algorithm</c> (default <c>fixed_window</c>, as envoyproxy/ratelimit counts), <c>burst</c> and
/// <c>rate_limit.scope</c> (<c>region</c>, the default, or <c>global</c>: counted across every region).
/// </summary>
/// <remarks>Every problem of every file is collected and reported at once as "file (line L, column C): path: problem".</remarks>
public static class EnvoyConfigLoader
{
    /// <summary>Prefix of the policies that count configured descriptors.</summary>
    public const string PolicyPrefix = "envoy:";

    private static readonly string[] RootKeys = ["domain", "descriptors"];
    private static readonly string[] DescriptorKeys =
        ["key", "value", "rate_limit", "descriptors", "shadow_mode", "quota_mode", "detailed_metric", "value_to_metric", "share_threshold", "metadata"];
    private static readonly string[] RateLimitKeys = ["unit", "requests_per_unit", "unlimited", "name", "replaces", "algorithm", "burst", "scope"];

    // A descriptor's requests_per_unit is a rate: only the window and bucket algorithms read it as one.
    private static readonly Dictionary<string, LimitAlgorithmKind> Algorithms = PolicyFileLoader.Algorithms
        .Where(static a => a.Value is LimitAlgorithmKind.FixedWindow or LimitAlgorithmKind.SlidingWindow or LimitAlgorithmKind.SlidingLog
            or LimitAlgorithmKind.TokenBucket or LimitAlgorithmKind.Gcra)
        .ToDictionary(StringComparer.Ordinal);

    /// <summary>The files a list of configured paths names: files as given, directories expanded to their YAML files.</summary>
    public static IReadOnlyList<string> ResolveFiles(IEnumerable<string> paths, List<string> errors) => EnvoyConfigFiles.Listed(paths, errors);

    /// <summary>Every file of envoyproxy/ratelimit's runtime layout, in any subdirectory, ordered by path.</summary>
    public static IReadOnlyList<string> RuntimeFiles(EnvoyConfigSources sources, List<string> errors) => EnvoyConfigFiles.InRuntimeLayout(sources, errors);

    /// <summary>Loads every file of <paramref name="paths"/>; throws with all problems when any file is invalid.</summary>
    public static EnvoyRateLimitConfig Load(IEnumerable<string> paths) => Load(new EnvoyConfigSources { ConfigPaths = [.. paths] });

    /// <summary>Loads every listed file and every file of the runtime layout; throws with all problems when any is invalid.</summary>
    public static EnvoyRateLimitConfig Load(EnvoyConfigSources sources)
    {
        var errors = new List<string>();
        return Parse(EnvoyConfigFiles.ReadAll(sources, errors), errors, sources.MergeDomainConfig);
    }

    /// <summary>Parses configuration texts (name is what errors call the source); with <paramref name="mergeDomains"/>,
    /// texts naming the same domain add to it (a descriptor defined twice is still refused).</summary>
    public static EnvoyRateLimitConfig Parse(IEnumerable<(string Name, string Text)> sources, List<string>? errors = null, bool mergeDomains = false)
    {
        errors ??= [];
        var domains = new Dictionary<string, EnvoyDescriptorNode>(StringComparer.Ordinal);
        var domainFiles = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in sources)
        {
            new FileParser(name, errors, mergeDomains).Parse(text, domains, domainFiles);
        }

        if (errors.Count > 0)
        {
            throw new EnvoyConfigException(errors);
        }

        return new EnvoyRateLimitConfig(domains);
    }

    private sealed class FileParser(string file, List<string> errors, bool mergeDomains)
    {
        public void Parse(string text, Dictionary<string, EnvoyDescriptorNode> domains, Dictionary<string, string> domainFiles)
        {
            var node = YamlNodes.Root(text, file, errors);
            if (node is not YamlMappingNode root)
            {
                if (node is not null || errors.Count == 0)
                {
                    errors.Add(YamlNodes.Problem(file, node?.Start ?? Mark.Empty, "must be a mapping with 'domain' and 'descriptors'."));
                }

                return;
            }

            YamlNodes.CheckFields(root, "", "a descriptor file", RootKeys, file, errors);
            var domain = Scalar(root, "domain", "domain");
            if (string.IsNullOrEmpty(domain))
            {
                Error(root, "domain", "is required and must not be empty.");
                return;
            }

            if (domainFiles.TryGetValue(domain, out var other) && !mergeDomains)
            {
                Error(At(root, "domain"), "domain", $"'{domain}' is already defined in {other}; each domain is configured in one file " +
                    "unless GrainLimiter:Envoy:MergeDomainConfig is true (envoyproxy/ratelimit's MERGE_DOMAIN_CONFIG).");
                return;
            }

            domainFiles.TryAdd(domain, file);
            if (!domains.TryGetValue(domain, out var tree))
            {
                domains[domain] = tree = new EnvoyDescriptorNode();
            }

            LoadDescriptors(YamlNodes.Child(root, "descriptors"), "descriptors", domain, domain + ".", tree);
        }

        private void LoadDescriptors(YamlNode? node, string path, string domain, string parentKey, EnvoyDescriptorNode parent)
        {
            if (node is null || node is YamlScalarNode { Value: null or "" or "~" })
            {
                return;
            }

            if (node is not YamlSequenceNode list)
            {
                Error(node, path, "must be a list of descriptors.");
                return;
            }

            for (var i = 0; i < list.Children.Count; i++)
            {
                var itemPath = $"{path}[{i}]";
                if (list.Children[i] is not YamlMappingNode item)
                {
                    Error(list.Children[i], itemPath, "must be a mapping with 'key' and optionally 'value', 'rate_limit', 'descriptors'.");
                    continue;
                }

                YamlNodes.CheckFields(item, itemPath, "a descriptor", DescriptorKeys, file, errors);
                var key = Scalar(item, "key", itemPath + ".key");
                if (string.IsNullOrEmpty(key))
                {
                    Error(item, itemPath + ".key", "is required and must not be empty.");
                    continue;
                }

                var value = Scalar(item, "value", itemPath + ".value");
                var childKey = EnvoyDescriptorNode.ChildKey(key, value);
                var fullKey = parentKey + childKey;
                if (parent.Children.ContainsKey(childKey))
                {
                    Error(item, itemPath, $"duplicate descriptor '{fullKey}' at this level.");
                    continue;
                }

                var shareThreshold = Bool(item, "share_threshold", itemPath + ".share_threshold");
                var wildcard = WildcardPattern.HasWildcard(childKey);
                if (shareThreshold && !wildcard)
                {
                    Error(At(item, "share_threshold"), itemPath + ".share_threshold",
                        $"applies only to a wildcard value (one holding '*'); '{childKey}' has none.");
                }

                var child = new EnvoyDescriptorNode { ValueToMetric = Bool(item, "value_to_metric", itemPath + ".value_to_metric"), ShareThreshold = shareThreshold };
                parent.Children[childKey] = child;
                if (wildcard)
                {
                    parent.Wildcards.Add((new WildcardPattern(childKey), child));
                }

                var options = new DescriptorOptions(
                    Bool(item, "shadow_mode", itemPath + ".shadow_mode"),
                    Bool(item, "quota_mode", itemPath + ".quota_mode"),
                    Bool(item, "detailed_metric", itemPath + ".detailed_metric"),
                    Metadata(item, itemPath + ".metadata"));
                if (YamlNodes.Child(item, "rate_limit") is { } rateLimit)
                {
                    child.Limit = LoadLimit(rateLimit, itemPath + ".rate_limit", domain, fullKey, options);
                }

                LoadDescriptors(YamlNodes.Child(item, "descriptors"), itemPath + ".descriptors", domain, fullKey + ".", child);
            }
        }

        /// <summary>What a descriptor says about its limit besides <c>rate_limit</c>.</summary>
        private readonly record struct DescriptorOptions(bool ShadowMode, bool QuotaMode, bool DetailedMetric, Google.Protobuf.WellKnownTypes.Struct? Metadata);

        private Google.Protobuf.WellKnownTypes.Struct? Metadata(YamlMappingNode item, string path)
        {
            var node = YamlNodes.Child(item, "metadata");
            if (YamlNodes.IsEmpty(node))
            {
                return null;
            }

            if (node is not YamlMappingNode map)
            {
                Error(node!, path, "must be a mapping (it is returned to Envoy as dynamic metadata).");
                return null;
            }

            var metadata = EnvoyMetadata.ToStruct(map, out var problem);
            if (problem is not null)
            {
                Error(map, path, problem);
            }

            return metadata;
        }

        private EnvoyLimit? LoadLimit(YamlNode node, string path, string domain, string fullKey, DescriptorOptions options)
        {
            if (node is not YamlMappingNode map)
            {
                Error(node, path, "must be a mapping with 'unit' and 'requests_per_unit' (or 'unlimited: true').");
                return null;
            }

            YamlNodes.CheckFields(map, path, "a rate_limit", RateLimitKeys, file, errors);
            var unlimited = Bool(map, "unlimited", path + ".unlimited");
            var unitName = Scalar(map, "unit", path + ".unit");
            var unit = default(Protocol.Envoy.RateLimit.RateLimitResponse.Types.RateLimit.Types.Unit);
            var validUnit = unitName is not null && EnvoyUnit.TryParse(unitName, out unit);
            if (unlimited && unitName is not null)
            {
                Error(At(map, "unit"), path + ".unit", "must not be set when 'unlimited' is true.");
            }
            else if (!unlimited && !validUnit)
            {
                Error(At(map, "unit"), path + ".unit", unitName is null ? $"is required: one of {EnvoyUnit.Names}." : $"'{unitName}' is not a unit; use one of {EnvoyUnit.Names}{Suggestion.EndWithDidYouMean(unitName, EnvoyUnit.Names.Split(", "))}");
            }

            uint requestsPerUnit = 0;
            if (Scalar(map, "requests_per_unit", path + ".requests_per_unit") is { } rpu
                && !uint.TryParse(rpu, NumberStyles.None, CultureInfo.InvariantCulture, out requestsPerUnit))
            {
                Error(At(map, "requests_per_unit"), path + ".requests_per_unit", $"'{rpu}' is not a whole number between 0 and {uint.MaxValue}.");
            }

            var name = Scalar(map, "name", path + ".name");
            var replaces = new List<string>();
            if (YamlNodes.Child(map, "replaces") is { } replacesNode)
            {
                if (replacesNode is not YamlSequenceNode replacesList)
                {
                    Error(replacesNode, path + ".replaces", "must be a list of {name: ...}.");
                }
                else
                {
                    for (var i = 0; i < replacesList.Children.Count; i++)
                    {
                        var replacedPath = $"{path}.replaces[{i}]";
                        var replaced = replacesList.Children[i] is YamlMappingNode r ? Scalar(r, "name", replacedPath + ".name") : null;
                        if (string.IsNullOrEmpty(replaced))
                        {
                            Error(replacesList.Children[i], replacedPath + ".name", "is required and must not be empty.");
                        }
                        else if (replaced == name)
                        {
                            Error(replacesList.Children[i], replacedPath + ".name", $"'{replaced}' is this limit's own name; a limit cannot replace itself.");
                        }
                        else
                        {
                            replaces.Add(replaced);
                        }
                    }
                }
            }

            var algorithm = LimitAlgorithmKind.FixedWindow;
            if (Scalar(map, "algorithm", path + ".algorithm") is { } algorithmName && !Algorithms.TryGetValue(algorithmName, out algorithm))
            {
                Error(At(map, "algorithm"), path + ".algorithm", $"'{algorithmName}' is not supported for descriptors; use one of {string.Join(", ", Algorithms.Keys)}.");
            }

            long? burst = null;
            if (Scalar(map, "burst", path + ".burst") is { } burstText)
            {
                if (long.TryParse(burstText, NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b >= 1)
                {
                    burst = b;
                }
                else
                {
                    Error(At(map, "burst"), path + ".burst", $"'{burstText}' is not a whole number of at least 1.");
                }
            }

            var scope = LimitScope.Region;
            switch (Scalar(map, "scope", path + ".scope"))
            {
                case null or "region":
                    break;
                case "global" when PolicyDefinition.CanBeGlobal(algorithm):
                    scope = LimitScope.Global;
                    break;
                case "global":
                    Error(At(map, "scope"), path + ".scope", $"global is not supported by algorithm '{Scalar(map, "algorithm", path + ".algorithm")}' (use fixed_window, sliding_window, token_bucket or gcra).");
                    break;
                case { } other:
                    Error(At(map, "scope"), path + ".scope", $"'{other}' is not a scope; use region or global.");
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
                Name = PolicyPrefix + fullKey,
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
                Error(map, path, problem);
                return limit;
            }

            return limit with { Policy = policy };
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

        /// <summary>Where a field's value was written, or the mapping when the field is absent.</summary>
        private static YamlNode At(YamlMappingNode map, string key) => YamlNodes.Child(map, key) ?? map;

        private string? Scalar(YamlMappingNode map, string key, string path)
        {
            var node = YamlNodes.Child(map, key);
            if (node is null)
            {
                return null;
            }

            if (node is not YamlScalarNode scalar)
            {
                Error(node, path, "must be a single value.");
                return null;
            }

            return scalar.Value;
        }

        private bool Bool(YamlMappingNode map, string key, string path)
        {
            var value = Scalar(map, key, path);
            if (value is null)
            {
                return false;
            }

            // YAML 1.1 booleans, as envoyproxy/ratelimit's parser reads them (true, yes, on...).
            if (EnvoyMetadata.Boolean(value) is not { } result)
            {
                Error(At(map, key), path, $"'{value}' is not true or false.");
                return false;
            }

            return result;
        }

        private void Error(YamlNode node, string path, string problem) =>
            errors.Add(YamlNodes.Problem(file, node.Start, $"{path}: {problem}"));
    }
}
