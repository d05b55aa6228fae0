namespace GrainLimiter.Policies;

/// <summary>
/// The largest limit, burst, refill time and override multiplier a limit may have: one table read by the policy-file loader,
/// the Envoy descriptor loader, the key overrides (grain and admin endpoint) and the algorithms, so they accept the same ranges.
/// </summary>
public static class LimitBounds
{
    /// <summary>The largest sliding_log limit: it keeps one timestamp per request, and one grain's memory stays small.</summary>
    public const long MaxLogLimit = 100_000;

    /// <summary>The largest concurrency limit: it keeps one lease per unit, and one grain's memory stays small.</summary>
    public const long MaxConcurrencyLimit = 100_000;

    /// <summary>The largest limit of every other algorithm, and the largest burst and adaptive increase.</summary>
    public const long MaxCount = 1_000_000_000_000L;

    /// <summary>The largest multiplier a key override may give a policy's limit.</summary>
    public const double MaxOverrideMultiplier = 1000;

    /// <summary>The longest window, lease, wait or refill from empty: about 1000 years.</summary>
    /// <remarks>Keeps <c>DateTime.MaxValue.Ticks + 2 * span</c> inside a <see cref="long"/>, where the algorithms count time.</remarks>
    public static readonly TimeSpan MaxSpan = TimeSpan.FromDays(365_250);

    /// <summary>The largest limit of an algorithm: what <c>limit</c>, an adaptive limit's <c>max</c> and an override may be.</summary>
    public static long MaxLimit(LimitAlgorithmKind algorithm) => algorithm switch
    {
        LimitAlgorithmKind.SlidingLog => MaxLogLimit,
        LimitAlgorithmKind.Concurrency => MaxConcurrencyLimit,
        _ => MaxCount,
    };

    /// <summary>Whether refilling <paramref name="capacity"/> at <paramref name="limit"/> per <paramref name="window"/> takes longer
    /// than <see cref="MaxSpan"/> (the token bucket's and GCRA's burst bound).</summary>
    public static bool RefillTooLong(long capacity, long limit, TimeSpan window) =>
        limit > 0 && (Int128)capacity * window.Ticks / limit > MaxSpan.Ticks;
}
