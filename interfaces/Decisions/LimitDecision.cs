namespace GrainLimiter.Decisions;

/// <summary>The answer of one limit (or of all limits of a grain) to one request.</summary>
/// <param name="Allowed">Whether the request may pass.</param>
/// <param name="Limit">The limit that decided: requests per window, quota or leases.</param>
/// <param name="Remaining">What is left of that limit after this request.</param>
/// <param name="ResetAfter">Time until that limit is fully available again.</param>
/// <param name="RetryAfter">When denied: the earliest time the same cost would be admitted;
/// <see cref="Never"/> when the cost exceeds the capacity. Zero when allowed.</param>
/// <param name="Wait">When admitted by a leaky bucket: how long the caller must wait before proceeding.</param>
/// <param name="LimitIndex">Index of the deciding limit within its policy.</param>
/// <param name="AlertReached">Usage reached the limit's alert threshold.</param>
/// <param name="LeaseId">Concurrency: the lease to release; zero otherwise.</param>
public readonly record struct LimitDecision(
    bool Allowed,
    long Limit,
    long Remaining,
    TimeSpan ResetAfter,
    TimeSpan RetryAfter,
    TimeSpan Wait = default,
    int LimitIndex = 0,
    bool AlertReached = false,
    long LeaseId = 0)
{
    /// <summary>Retry-after of a request that can never be admitted (cost above capacity).</summary>
    public static readonly TimeSpan Never = TimeSpan.MaxValue;

    public bool IsNeverAdmissible => !Allowed && RetryAfter == Never;
}
