using GrainLimiter.Decisions;

namespace GrainLimiter.Client.Decisions;

/// <summary>The cluster's answer for one (policy, key), or the failure mode's answer when the cluster could not be reached.</summary>
/// <param name="Policy">The policy asked.</param>
/// <param name="Key">The key asked.</param>
/// <param name="Allowed">Whether the request may pass.</param>
/// <param name="Limit">The deciding limit: requests per window, quota or leases; 0 when the cluster did not answer.</param>
/// <param name="Remaining">What is left of that limit after this request.</param>
/// <param name="ResetAfter">Time until that limit is fully available again.</param>
/// <param name="RetryAfter">When denied: the earliest time the same cost would pass; null when it never will (cost above capacity).</param>
/// <param name="Wait">Leaky bucket: how long to wait before proceeding.</param>
/// <param name="Window">The window of the deciding limit; zero when it has none (concurrency) or is unknown.</param>
/// <param name="LeaseId">Concurrency: the lease to release; zero otherwise.</param>
/// <param name="Alert">Usage reached the limit's alert threshold.</param>
/// <param name="LimitName">Name of the deciding limit, for headers and logs.</param>
/// <param name="Reason">Why the answer is not a plain decision (<c>shadow_mode</c>, <c>store_unavailable</c>,
/// <see cref="ClusterUnavailableReason"/>); null otherwise.</param>
/// <param name="ReportOutcome">The policy adapts to how requests fare: report this request's outcome once it is done
/// (<see cref="GrainLimiterClient.ReportAsync(string, string, bool, TimeSpan?, int)"/>; the middleware and the throttle do it themselves).</param>
public readonly record struct ClusterDecision(
    string Policy,
    string Key,
    bool Allowed,
    long Limit,
    long Remaining,
    TimeSpan ResetAfter,
    TimeSpan? RetryAfter,
    TimeSpan Wait,
    TimeSpan Window,
    long LeaseId,
    bool Alert,
    string LimitName,
    string? Reason,
    bool ReportOutcome = false)
{
    /// <summary>The reason of an answer the client made up because the cluster could not be reached in time.</summary>
    public const string ClusterUnavailableReason = DecisionReasons.ClusterUnavailable;

    /// <summary>The answer came from the failure mode, not from the cluster.</summary>
    public bool IsFallback => Reason == ClusterUnavailableReason;
}
