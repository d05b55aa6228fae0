namespace GrainLimiter.Decisions;

/// <summary>The decision for one item of a check, with what it was about.</summary>
/// <param name="Reason">Why the cluster could not decide normally (failure mode, shadow mode); null otherwise.</param>
public readonly record struct CheckResult(CheckRequest Request, LimitDecision Decision, string? LimitName, string? Reason = null);
