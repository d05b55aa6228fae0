using GrainLimiter.Config.Envoy;

namespace GrainLimiter.Silo.Fronts.Envoy;

/// <summary>The <c>GrainLimiter:Envoy</c> configuration section (environment: <c>GrainLimiter__Envoy__Name</c>).</summary>
/// <remarks>Each setting that envoyproxy/ratelimit has is named after its environment variable in the remarks.</remarks>
public sealed class EnvoyOptions
{
    public const string Section = "GrainLimiter:Envoy";

    /// <summary>Descriptor configuration in envoyproxy/ratelimit's YAML format: files, or directories whose
    /// <c>*.yaml</c>/<c>*.yml</c> files are all loaded (environment: <c>GrainLimiter__Envoy__ConfigPaths__0</c>, <c>__1</c>...).
    /// Empty (and no <see cref="RuntimeRoot"/>): the Envoy service runs with no domain configured and answers OK to everything.</summary>
    public List<string> ConfigPaths { get; set; } = [];

    /// <summary><c>RUNTIME_ROOT</c>: every file under <c>RuntimeRoot/RuntimeSubdirectory/RuntimeAppDirectory</c> is a descriptor file.</summary>
    public string? RuntimeRoot { get; set; }

    /// <summary><c>RUNTIME_SUBDIRECTORY</c>.</summary>
    public string? RuntimeSubdirectory { get; set; }

    /// <summary><c>RUNTIME_APPDIRECTORY</c>.</summary>
    public string RuntimeAppDirectory { get; set; } = "config";

    /// <summary><c>RUNTIME_IGNOREDOTFILES</c>.</summary>
    public bool RuntimeIgnoreDotFiles { get; set; }

    /// <summary><c>MERGE_DOMAIN_CONFIG</c>: one domain may be spread over several files.</summary>
    public bool MergeDomainConfig { get; set; }

    /// <summary>Add rate limit headers of the most constrained descriptor to <c>response_headers_to_add</c>
    /// (<c>LIMIT_RESPONSE_HEADERS_ENABLED</c>).</summary>
    public bool ResponseHeaders { get; set; }

    /// <summary>Also list every descriptor that has a limit, in <see cref="PolicyHeader"/> and <see cref="StateHeader"/>
    /// (the IETF ratelimit-headers draft's form); implies <see cref="ResponseHeaders"/>.</summary>
    public bool AllDescriptorHeaders { get; set; }

    /// <summary><c>LIMIT_LIMIT_HEADER</c>.</summary>
    public string LimitHeader { get; set; } = "RateLimit-Limit";

    /// <summary><c>LIMIT_REMAINING_HEADER</c>.</summary>
    public string RemainingHeader { get; set; } = "RateLimit-Remaining";

    /// <summary><c>LIMIT_RESET_HEADER</c>.</summary>
    public string ResetHeader { get; set; } = "RateLimit-Reset";

    public string PolicyHeader { get; set; } = "RateLimit-Policy";

    public string StateHeader { get; set; } = "RateLimit";

    /// <summary><c>RESPONSE_DYNAMIC_METADATA</c>: the request's descriptors, the metadata of those that passed and the
    /// descriptor that decided, as the response's <c>dynamic_metadata</c>.</summary>
    public bool ResponseDynamicMetadata { get; set; }

    /// <summary><c>SHADOW_MODE</c>: every OVER_LIMIT answer becomes OK (descriptors keep their own codes).</summary>
    public bool ShadowMode { get; set; }

    /// <summary><c>QUOTA_MODE</c>: every descriptor is in quota mode.</summary>
    public bool QuotaMode { get; set; }

    /// <summary>Most descriptors in one request (the bound of <c>GrainLimiter:MaxChecksPerRequest</c> applies too).</summary>
    public int MaxDescriptors { get; set; } = 64;

    /// <summary>Most entries in one descriptor.</summary>
    public int MaxEntriesPerDescriptor { get; set; } = 16;

    /// <summary>Most distinct per-request limit overrides (requests_per_unit, unit) this silo will create policies for.</summary>
    public int MaxLimitOverrides { get; set; } = 1000;

    /// <summary>Most distinct descriptor stats keys this silo counts (<c>detailed_metric</c> and <c>value_to_metric</c> put
    /// request values in them); beyond, hits are counted under <c>_other</c>.</summary>
    public int MaxMetricKeys { get; set; } = 10_000;

    /// <summary>The descriptor files these settings name.</summary>
    public EnvoyConfigSources Sources() => new()
    {
        Paths = ConfigPaths,
        RuntimeRoot = RuntimeRoot,
        RuntimeSubdirectory = RuntimeSubdirectory,
        RuntimeAppDirectory = RuntimeAppDirectory,
        RuntimeIgnoreDotFiles = RuntimeIgnoreDotFiles,
        MergeDomains = MergeDomainConfig,
    };
}
