namespace GrainLimiter.QuotaBuckets;

/// <summary>How a Rate Limit Quota Service bucket is shared: the policy file's <c>quotaBuckets</c> entry it matched.</summary>
/// <param name="Name">The entry's name (metrics, admin view).</param>
/// <param name="Limit">Requests per <paramref name="Window"/> for all the Envoys reporting the bucket together; 0 denies all.</param>
/// <param name="Strategy">How an Envoy's share is handed to it.</param>
/// <param name="AssignmentTtl">How long an assignment holds in Envoy; a share given up counts until its assignments expire.</param>
/// <param name="AbandonAfter">A stream that reports no request for this long is told to abandon the bucket.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.QuotaBucketSpec")]
public sealed record QuotaBucketSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] long Limit,
    [property: Id(2)] TimeSpan Window,
    [property: Id(3)] QuotaStrategy Strategy,
    [property: Id(4)] TimeSpan AssignmentTtl,
    [property: Id(5)] TimeSpan AbandonAfter);

/// <summary>The <c>envoy.type.v3.RateLimitStrategy</c> an assignment carries.</summary>
[GenerateSerializer, Alias("GrainLimiter.QuotaStrategy")]
public enum QuotaStrategy
{
    /// <summary><c>requests_per_time_unit</c>: the share per the window's unit (second, minute, hour, day, week).</summary>
    RequestsPerTimeUnit,

    /// <summary><c>token_bucket</c>: the share as tokens, refilled in full every window.</summary>
    TokenBucket,
}
