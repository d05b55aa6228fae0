namespace GrainLimiter.Client.Decisions;

/// <summary>The answer to a multi-key check: allowed only if every key was; one decision per check, in order.</summary>
public readonly record struct ClusterCheckOutcome(bool Allowed, ClusterDecision[] Decisions);
