using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Overrides;

/// <summary>What an override makes of a limit: the spec its key is judged against while the override is in force.</summary>
/// <remarks>
/// The override's limit replaces the policy's <c>limit</c>: requests per window (fixed and sliding window, sliding
/// log), the refill rate (token bucket, GCRA), the drain rate (leaky bucket; its maxWait stays), units per period
/// (quota) or leases held at once (concurrency). A configured <c>burst</c> scales with it, keeping the policy's
/// burst-to-rate ratio; without one the burst follows the limit, as it does in the policy file. A multiplier applies to
/// the policy's limit (rounded, at least 1). Windows, periods, lease TTLs and alert fractions stay the policy's.
/// </remarks>
public static class KeyOverrides
{
    /// <summary>The limit <paramref name="item"/> gives <paramref name="spec"/>, before bounds are checked.</summary>
    public static double EffectiveLimit(LimitSpec spec, LimitOverride item)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return item.Limit ?? Math.Max(1, Math.Round(spec.Limit * (item.Multiplier ?? 1), MidpointRounding.AwayFromZero));
    }

    /// <summary>The spec <paramref name="spec"/> becomes under <paramref name="item"/>; the limit clamped to the algorithm's bounds.</summary>
    public static LimitSpec Apply(LimitSpec spec, LimitOverride item)
    {
        var limit = (long)Math.Clamp(EffectiveLimit(spec, item), 1, LimitBounds.MaxLimit(spec.Algorithm));
        long? burst = spec.Burst is { } configured
            ? (long)Math.Clamp(Math.Round((double)configured * limit / spec.Limit, MidpointRounding.AwayFromZero), 1, LimitBounds.MaxCount)
            : null;
        return spec with { Limit = limit, Burst = burst };
    }
}
