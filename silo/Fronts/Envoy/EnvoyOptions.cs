namespace GrainLimiter.Silo.Fronts.Envoy;

/// <summary>The <c>GrainLimiter:Envoy</c> configuration section (environment: <c>GrainLimiter__Envoy__Name</c>).</summary>
public sealed class EnvoyOptions
{
    public const string Section = "GrainLimiter:Envoy";

    /// <summary>Descriptor configuration in envoyproxy/ratelimit's YAML format: files, or directories whose
    /// <c>*.yaml</c>/<c>*.yml</c> files are all loaded (environment: <c>GrainLimiter__Envoy__ConfigPaths__0</c>, <c>__1</c>...).
    /// Empty: the Envoy service runs with no domain configured and answers OK to everything.</summary>
    public List<string> ConfigPaths { get; set; } = [];

    /// <summary>Add rate limit headers of the most constrained descriptor to <c>response_headers_to_add</c>
    /// (envoyproxy/ratelimit's <c>LIMIT_RESPONSE_HEADERS_ENABLED</c>).</summary>
    public bool ResponseHeaders { get; set; }

    public string LimitHeader { get; set; } = "RateLimit-Limit";

    public string RemainingHeader { get; set; } = "RateLimit-Remaining";

    public string ResetHeader { get; set; } = "RateLimit-Reset";

    /// <summary>Most descriptors in one request (the bound of <c>GrainLimiter:MaxChecksPerRequest</c> applies too).</summary>
    public int MaxDescriptors { get; set; } = 64;

    /// <summary>Most entries in one descriptor.</summary>
    public int MaxEntriesPerDescriptor { get; set; } = 16;

    /// <summary>Most distinct per-request limit overrides (requests_per_unit, unit) this silo will create policies for.</summary>
    public int MaxLimitOverrides { get; set; } = 1000;
}
