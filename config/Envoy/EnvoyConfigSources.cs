namespace GrainLimiter.Config.Envoy;

/// <summary>Where the descriptor files are and how they combine: listed paths, envoyproxy/ratelimit's runtime-directory
/// layout, and whether one domain may be spread over several files. The silo binds them from <c>GrainLimiter:Envoy</c>.</summary>
public class EnvoyConfigSources
{
    /// <summary>Files, or directories whose <c>*.yaml</c>/<c>*.yml</c> files are all loaded
    /// (environment: <c>GrainLimiter__Envoy__ConfigPaths__0</c>, <c>__1</c>...).</summary>
    public List<string> ConfigPaths { get; set; } = [];

    /// <summary>envoyproxy/ratelimit's <c>RUNTIME_ROOT</c>: with it, every file under
    /// <c>RuntimeRoot/RuntimeSubdirectory/RuntimeAppDirectory</c>, in any subdirectory and of any name, is a descriptor file.</summary>
    public string? RuntimeRoot { get; set; }

    /// <summary><c>RUNTIME_SUBDIRECTORY</c>.</summary>
    public string? RuntimeSubdirectory { get; set; }

    /// <summary><c>RUNTIME_APPDIRECTORY</c>.</summary>
    public string RuntimeAppDirectory { get; set; } = "config";

    /// <summary><c>RUNTIME_IGNOREDOTFILES</c>: skip files and directories whose name starts with a dot.</summary>
    public bool RuntimeIgnoreDotFiles { get; set; }

    /// <summary><c>MERGE_DOMAIN_CONFIG</c>: files naming the same domain add their descriptors to it instead of being refused.</summary>
    public bool MergeDomainConfig { get; set; }

    /// <summary>The directory the runtime layout loads, or null without <see cref="RuntimeRoot"/>.</summary>
    public string? RuntimeDirectory => string.IsNullOrWhiteSpace(RuntimeRoot) ? null
        : Path.Combine(RuntimeRoot, RuntimeSubdirectory ?? "", RuntimeAppDirectory);

    /// <summary>Every path to watch for changes: the listed ones and the runtime directory.</summary>
    public IEnumerable<string> Watched => ConfigPaths.Where(static p => !string.IsNullOrWhiteSpace(p))
        .Concat(RuntimeDirectory is { } runtime ? [runtime] : []);
}
