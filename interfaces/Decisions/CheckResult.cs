namespace GrainLimiter.Decisions;

/// <summary>The decision for one item of a check, with what it was about.</summary>
/// <param name="Reason">Why the cluster could not decide normally (failure mode, shadow mode); null otherwise.</param>
/// <param name="Limits">Every limit's state, in policy order, for a policy of several limits; null otherwise.</param>
/// <param name="ReportOutcome">The policy adapts to outcomes: the caller should report how this request fared.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.CheckResult")]
public readonly record struct CheckResult(
    [property: Id(0)] CheckRequest Request,
    [property: Id(1)] LimitDecision Decision,
    [property: Id(2)] string? LimitName,
    [property: Id(3)] string? Reason = null,
    [property: Id(4)] LimitDecision[]? Limits = null,
    [property: Id(5)] bool ReportOutcome = false);
