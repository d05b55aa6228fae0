namespace GrainLimiter.Decisions;

/// <summary>What a limit grain answers to one operation.</summary>
/// <param name="Decision">The decision of the grain's limits (shadow mode already applied by <see cref="Grains.ILimitGrain.AcquireAsync"/>).</param>
/// <param name="LimitName">The name the deciding limit is reported under (headers, responses).</param>
/// <param name="Reason">A <see cref="DecisionReasons"/> value when the grain could not decide normally; null otherwise.</param>
/// <param name="Charged">Whether the operation charged the grain: a caller undoing an all-or-nothing check refunds exactly these.</param>
/// <param name="Limits">A policy of several limits: each limit's state after the operation, in policy order (headers list
/// them all); null for a one-limit policy, whose <paramref name="Decision"/> says it all.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.GrainDecision")]
public readonly record struct GrainDecision(
    [property: Id(0)] LimitDecision Decision,
    [property: Id(1)] string? LimitName,
    [property: Id(2)] string? Reason = null,
    [property: Id(3)] bool Charged = false,
    [property: Id(4)] LimitDecision[]? Limits = null);
