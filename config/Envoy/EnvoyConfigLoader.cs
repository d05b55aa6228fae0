using System.Globalization;
using GrainLimiter.Policies;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace GrainLimiter.Config.Envoy;

/// <summary>
/// Loads descriptor configuration in envoyproxy/ratelimit's YAML format: <c>domain</c>, nested <c>descriptors</c>
/// with <c>key</c>, optional <c>value</c> (a trailing <c>*</c> is a prefix wildcard), <c>rate_limit</c>
/// {<c>unit</c>, <c>requests_per_unit</c>, <c>unlimited</c>, <c>name</c>, <c>replaces</c>}, <c>shadow_mode</c>,
/// <c>detailed_metric</c>. Extensions: <c>rate_limit.algorithm</c> (default <c>fixed_window</c>, as envoyproxy/ratelimit counts) and
/// <c>rate_limit.scope</c> (<c>region</c>, the default, or <c>global</c>: counted across every region).
/// </summary>
/// <remarks>Every problem of every file is collected and reported at once as "file (line L, column C): path: problem".</remarks>
public static class EnvoyConfigLoader
{
    /// <summary>Prefix of the policies that count configured descriptors.</summary>
    public const string PolicyPrefix = "envoy:";

    private static readonly string[] RootKeys = ["domain", "descriptors"];
    private static readonly string[] DescriptorKeys = ["key", "value", "rate_limit", "descriptors", "shadow_mode", "detailed_metric"];
    private static readonly string[] RateLimitKeys = ["unit", "requests_per_unit", "unlimited", "name", "replaces", "algorithm", "burst", "scope"];

    // A descriptor's requests_per_unit is a rate: only the window and bucket algorithms read it as one.
    private static readonly Dictionary<string, LimitAlgorithmKind> Algorithms = PolicyFileLoader.Algorithms
        .Where(static a => a.Value is LimitAlgorithmKind.FixedWindow or LimitAlgorithmKind.SlidingWindow or LimitAlgorithmKind.SlidingLog
            or LimitAlgorithmKind.TokenBucket or LimitAlgorithmKind.Gcra)
        .ToDictionary(StringComparer.Ordinal);

    /// <summary>The files a list of configured paths names: files as given, directories expanded to their YAML files.</summary>
    public static IReadOnlyList<string> ResolveFiles(IEnumerable<string> paths, List<string> errors)
    {
        var files = new List<string>();
        foreach (var path in paths.Where(static p => !string.IsNullOrWhiteSpace(p)))
        {
            if (Directory.Exists(path))
            {
                files.AddRange(Directory.EnumerateFiles(path)
                    .Where(static f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                errors.Add($"{path}: GrainLimiter:Envoy:ConfigPaths names a file or directory that does not exist.");
            }
        }

        return files;
    }

    /// <summary>Loads every file of <paramref name="paths"/>; throws with all problems when any file is invalid.</summary>
    public static EnvoyRateLimitConfig Load(IEnumerable<string> paths)
    {
        var errors = new List<string>();
        var sources = new List<(string Name, string Text)>();
        foreach (var file in ResolveFiles(paths, errors))
        {
            try
            {
                sources.Add((file, File.ReadAllText(file)));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{file}: cannot be read: {e.Message}");
            }
        }

        return Parse(sources, errors);
    }

    /// <summary>Parses configuration texts (name is what errors call the source).</summary>
    public static EnvoyRateLimitConfig Parse(IEnumerable<(string Name, string Text)> sources, List<string>? errors = null)
    {
        errors ??= [];
        var domains = new Dictionary<string, EnvoyDescriptorNode>(StringComparer.Ordinal);
        var domainFiles = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, text) in sources)
        {
            new FileParser(name, errors).Parse(text, domains, domainFiles);
        }

        if (errors.Count > 0)
        {
            throw new EnvoyConfigException(errors);
        }

        return new EnvoyRateLimitConfig(domains);
    }

    private sealed class FileParser(string file, List<string> errors)
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

            if (domainFiles.TryGetValue(domain, out var other))
            {
                Error(At(root, "domain"), "domain", $"'{domain}' is already defined in {other}; each domain is configured in one file.");
                return;
            }

            domainFiles[domain] = file;
            var tree = new EnvoyDescriptorNode();
            LoadDescriptors(YamlNodes.Child(root, "descriptors"), "descriptors", domain, domain + ".", tree);
            domains[domain] = tree;
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

                var child = new EnvoyDescriptorNode();
                parent.Children[childKey] = child;
                if (value is { Length: > 0 } && value.EndsWith('*'))
                {
                    parent.Wildcards.Add((key, value[..^1], child));
                }

                var shadowMode = Bool(item, "shadow_mode", itemPath + ".shadow_mode");
                var detailedMetric = Bool(item, "detailed_metric", itemPath + ".detailed_metric");
                if (YamlNodes.Child(item, "rate_limit") is { } rateLimit)
                {
                    child.Limit = LoadLimit(rateLimit, itemPath + ".rate_limit", domain, fullKey, shadowMode, detailedMetric);
                }

                LoadDescriptors(YamlNodes.Child(item, "descriptors"), itemPath + ".descriptors", domain, fullKey + ".", child);
            }
        }

        private EnvoyLimit? LoadLimit(YamlNode node, string path, string domain, string fullKey, bool shadowMode, bool detailedMetric)
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
                ShadowMode = shadowMode,
                DetailedMetric = detailedMetric,
                Algorithm = algorithm,
            };
            if (unlimited || !validUnit)
            {
                return limit;
            }

            var policy = new PolicyDefinition
            {
                Name = PolicyPrefix + fullKey,
                ShadowMode = shadowMode,
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
            LimitAlgorithmKind.TokenBucket or LimitAlgorithmKind.Gcra when PolicyFileLoader.RefillTooLong(burst ?? requestsPerUnit, requestsPerUnit, window) =>
                $"cannot be counted: refilling a burst of {burst} would take over 1000 years; lower burst.",
            LimitAlgorithmKind.SlidingLog when requestsPerUnit > PolicyFileLoader.MaxLogLimit =>
                $"cannot be counted: requests_per_unit must be at most {PolicyFileLoader.MaxLogLimit} for sliding_log (it keeps one timestamp per request).",
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

            if (!bool.TryParse(value, out var result))
            {
                Error(At(map, key), path, $"'{value}' is not true or false.");
            }

            return result;
        }

        private void Error(YamlNode node, string path, string problem) =>
            errors.Add(YamlNodes.Problem(file, node.Start, $"{path}: {problem}"));
    }
}
