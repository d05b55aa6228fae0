namespace GrainLimiter.Policies;

/// <summary>A named set of limits applied together to every key checked against it.</summary>
/// <remarks>A request passes only if every limit admits it; a denied request is charged to none of them.</remarks>
public sealed record PolicyDefinition
{
    public required string Name { get; init; }

    public required IReadOnlyList<LimitSpec> Limits { get; init; }

    /// <summary>Decide and count, but always admit: for trying a policy on live traffic.</summary>
    public bool ShadowMode { get; init; }

    public FailureMode FailureMode { get; init; } = FailureMode.Open;

    /// <summary>Global: the limits hold across every region together (fixed and sliding window, quota, token bucket, GCRA).</summary>
    public LimitScope Scope { get; init; } = LimitScope.Region;

    /// <summary>Whether an algorithm can count across regions: a per-window count that only grows (or a token debt) merges by max.</summary>
    public static bool CanBeGlobal(LimitAlgorithmKind algorithm) => algorithm is LimitAlgorithmKind.FixedWindow
        or LimitAlgorithmKind.SlidingWindow or LimitAlgorithmKind.Quota or LimitAlgorithmKind.TokenBucket or LimitAlgorithmKind.Gcra;
}
