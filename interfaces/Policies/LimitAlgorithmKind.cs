namespace GrainLimiter.Policies;

/// <summary>The algorithm one limit of a policy uses.</summary>
public enum LimitAlgorithmKind
{
    /// <summary>Counter per window aligned to the Unix epoch.</summary>
    FixedWindow,
    /// <summary>Two-window weighted counter (Cloudflare style).</summary>
    SlidingWindow,
    /// <summary>Exact log of admitted timestamps, bounded by the limit.</summary>
    SlidingLog,
    /// <summary>Bucket of <c>burst</c> tokens refilled at <c>limit</c> per window.</summary>
    TokenBucket,
    /// <summary>Generic cell rate algorithm: the token bucket as one theoretical arrival time.</summary>
    Gcra,
    /// <summary>Queue drained at <c>limit</c> per window: admitted callers are told how long to wait.</summary>
    LeakyBucket,
    /// <summary>At most <c>limit</c> leases held at once; leases expire after a TTL.</summary>
    Concurrency,
    /// <summary>Calendar quota per day, week or month in a time zone.</summary>
    Quota,
}
