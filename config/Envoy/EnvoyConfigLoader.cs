namespace GrainLimiter.Config.Envoy;

/// <summary>
/// Loads descriptor configuration in envoyproxy/ratelimit's YAML format, every field of its schema: <c>domain</c>, nested
/// <c>descriptors</c> with <c>key</c>, optional <c>value</c> (<c>*</c> anywhere is a wildcard), <c>rate_limit</c>
/// {<c>unit</c>, <c>requests_per_unit</c>, <c>unlimited</c>, <c>name</c>, <c>replaces</c>}, <c>shadow_mode</c>,
/// <c>quota_mode</c>, <c>detailed_metric</c>, <c>value_to_metric</c>, <c>share_threshold</c>, <c>metadata</c>.
/// Extensions: <c>rate_limit.algorithm</c> (default <c>fixed_window</c>, as envoyproxy/ratelimit counts), <c>burst</c> and
/// <c>rate_limit.scope</c> (<c>region</c>, the default, or <c>global</c>: counted across every region).
/// </summary>
/// <remarks>Every problem of every file is collected and reported at once as "file (line L, column C): path: problem".
/// <see cref="EnvoyConfigFiles"/> finds the files, <see cref="EnvoyConfigReader"/> reads each into a model and
/// <see cref="EnvoyConfigValidator"/> turns the models into one descriptor tree per domain.</remarks>
public static class EnvoyConfigLoader
{
    /// <summary>Prefix of the policies that count configured descriptors.</summary>
    public const string PolicyPrefix = "envoy:";

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
            if (EnvoyConfigReader.Read(text, name, errors) is { } model)
            {
                new EnvoyConfigValidator(name, errors, mergeDomains).Validate(model, domains, domainFiles);
            }
        }

        if (errors.Count > 0)
        {
            throw new EnvoyConfigException(errors);
        }

        return new EnvoyRateLimitConfig(domains);
    }
}
