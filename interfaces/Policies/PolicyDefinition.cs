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

    /// <summary>Auto: a hot key's grain may lease units to the fronts that ask it often (see <see cref="CanLease"/>); off: never.</summary>
    public LeaseMode Leases { get; init; } = LeaseMode.Auto;

    /// <summary>Whether leases apply to this policy: auto, regional, not shadow mode, not adaptive (a limit that moves is judged by
    /// its grain on every call) and every limit charges a count.</summary>
    public bool LeasesApply => Leases == LeaseMode.Auto && Scope == LimitScope.Region && !ShadowMode && !IsAdaptive
        && Limits.All(static l => CanLease(l.Algorithm));

    /// <summary>Some limit adapts to reported outcomes: callers should report how the requests it admitted fared.</summary>
    public bool IsAdaptive => Limits.Any(static l => l.Adaptive is not null);

    /// <summary>Whether an algorithm's charge is a count a lease can carry: not the sliding log (a timestamp per hit), the leaky
    /// bucket (each caller is told its own wait) or concurrency (its leases are released one by one).</summary>
    public static bool CanLease(LimitAlgorithmKind algorithm) => algorithm is LimitAlgorithmKind.FixedWindow
        or LimitAlgorithmKind.SlidingWindow or LimitAlgorithmKind.Quota or LimitAlgorithmKind.TokenBucket or LimitAlgorithmKind.Gcra;

    /// <summary>Whether an algorithm can count across regions: a per-window count that only grows (or a token debt) merges by max.</summary>
    public static bool CanBeGlobal(LimitAlgorithmKind algorithm) => algorithm is LimitAlgorithmKind.FixedWindow
        or LimitAlgorithmKind.SlidingWindow or LimitAlgorithmKind.Quota or LimitAlgorithmKind.TokenBucket or LimitAlgorithmKind.Gcra;
}
