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
[GenerateSerializer, Immutable, Alias("GrainLimiter.LimitDecision")]
public readonly record struct LimitDecision(
    [property: Id(0)] bool Allowed,
    [property: Id(1)] long Limit,
    [property: Id(2)] long Remaining,
    [property: Id(3)] TimeSpan ResetAfter,
    [property: Id(4)] TimeSpan RetryAfter,
    [property: Id(5)] TimeSpan Wait = default,
    [property: Id(6)] int LimitIndex = 0,
    [property: Id(7)] bool AlertReached = false,
    [property: Id(8)] long LeaseId = 0)
{
    /// <summary>Retry-after of a request that can never be admitted (cost above capacity).</summary>
    public static readonly TimeSpan Never = TimeSpan.MaxValue;

    public bool IsNeverAdmissible => !Allowed && RetryAfter == Never;
}
