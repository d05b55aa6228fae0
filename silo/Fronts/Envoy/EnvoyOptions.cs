using GrainLimiter.Config.Envoy;

namespace GrainLimiter.Silo.Fronts.Envoy;

/// <summary>The <c>GrainLimiter:Envoy</c> configuration section (environment: <c>GrainLimiter__Envoy__Name</c>).</summary>
/// <remarks>Each setting that envoyproxy/ratelimit has names its environment variable; where the descriptor files are
/// (<c>ConfigPaths</c>, the runtime layout, <c>MergeDomainConfig</c>) comes from <see cref="EnvoyConfigSources"/>.
/// Empty: the Envoy service runs with no domain configured and answers OK to everything.</remarks>
public sealed class EnvoyOptions : EnvoyConfigSources
{
    public const string Section = "GrainLimiter:Envoy";

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
}
