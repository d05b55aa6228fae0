namespace GrainLimiter.Silo.Fronts.Envoy.Rlqs;

/// <summary>The <c>GrainLimiter:Envoy:Rlqs</c> section: bounds of the Rate Limit Quota Service streams, all of which a
/// client controls.</summary>
public sealed class RlqsOptions
{
    public const string Section = "GrainLimiter:Envoy:Rlqs";

    /// <summary>Streams one silo serves at once; one more is refused with RESOURCE_EXHAUSTED.</summary>
    public int MaxStreamsPerSilo { get; set; } = 1000;

    /// <summary>Buckets one stream may report (and usage reports in one message).</summary>
    public int MaxBucketsPerStream { get; set; } = 1000;

    /// <summary>Entries of one bucket id.</summary>
    public int MaxBucketIdEntries { get; set; } = 16;

    /// <summary>UTF-8 bytes of a bucket's key: the domain and every key and value of its id.</summary>
    public int MaxBucketIdBytes { get; set; } = 512;

    /// <summary>A stream that sends no report for this long is closed (UNAVAILABLE); Envoy reports every reporting interval.</summary>
    public TimeSpan IdleStreamTimeout { get; set; } = TimeSpan.FromMinutes(5);
}
