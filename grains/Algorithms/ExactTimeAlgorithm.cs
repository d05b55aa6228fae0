using System.Diagnostics;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Algorithms;

/// <summary>The algorithms whose state is one point in time kept exact to 1/limit tick: GCRA's theoretical arrival
/// time and the leaky bucket's queue-empty time.</summary>
/// <remarks>
/// One unit takes <c>W/L</c> ticks, a fraction, so the time is <see cref="LimitState.Stamp"/> whole ticks plus
/// <see cref="LimitState.Count"/> / limit. <see cref="LimitState.Previous"/> is the latest time seen, so a clock
/// stepping back is treated as that time and mints nothing.
/// </remarks>
public abstract class ExactTimeAlgorithm : LimitAlgorithm
{
    protected ExactTimeAlgorithm(LimitSpec spec) : base(spec)
    {
        WindowTicks = PositiveSpan(spec.Window, "spec.Window");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(spec.Limit, "spec.Limit");
        Capacity = spec.Capacity;
        ArgumentOutOfRangeException.ThrowIfGreaterThan((Int128)Capacity * WindowTicks / spec.Limit, MaxSpanTicks, "spec.Burst");
    }

    /// <summary>Ticks in which <c>limit</c> units pass; one unit moves the kept time by <c>WindowTicks</c> (1/L ticks).</summary>
    protected long WindowTicks { get; }

    /// <summary>The most units one request may cost (the burst).</summary>
    protected long Capacity { get; }

    public sealed override void Refund(ref LimitState state, long now, long cost, long leaseId)
    {
        Validate(now, cost);
        var ahead = Normalize(ref state, now);
        Store(ref state, Int128.Max(0, ahead - ((Int128)Math.Min(cost, Capacity) * WindowTicks)));
    }

    /// <summary>Keeps the units in debt (GCRA) or queued (leaky bucket): the kept time moves to where the same units
    /// take this algorithm's rate to pass.</summary>
    public sealed override void Adopt(ref LimitState state, long now, LimitAlgorithm previous)
    {
        base.Adopt(ref state, now, previous);
        if (previous is not ExactTimeAlgorithm earlier || earlier.GetType() != GetType() || ReferenceEquals(earlier, this))
        {
            return;
        }

        // Units ahead = ahead / W (in 1/L ticks); the same units under this window: units * W'.
        var ahead = earlier.Normalize(ref state, now);
        var units = DivRem(ahead, earlier.WindowTicks, out var part);
        var converted = ((Int128)units * WindowTicks) + ((Int128)part * WindowTicks / earlier.WindowTicks);
        Store(ref state, Int128.Min(converted, (Int128)MaxSpanTicks * Limit));
    }

    /// <summary>Fresh once the kept time is reached: the bucket is full again, the queue empty.</summary>
    public sealed override TimeSpan FreshAfter(in LimitState state, long now)
    {
        var at = Math.Max(now, state.Previous);
        var ahead = ((Int128)(state.Stamp - at) * Limit) + state.Count;
        return UntilReached(at, Int128.Max(0, ahead), now);
    }

    /// <summary>Time from <paramref name="now"/> until <paramref name="at"/> plus <paramref name="ahead"/> (1/L ticks), rounded up.</summary>
    protected TimeSpan UntilReached(long at, Int128 ahead, long now) =>
        ahead > 0 ? Until(at + CeilDiv(ahead, Limit), now) : TimeSpan.Zero;

    /// <summary>Records <paramref name="now"/> as seen (never going back) and returns how far the kept time lies ahead
    /// of it, in 1/L ticks; at least 0 (idle time beyond that earns nothing: the kept time catches up).</summary>
    protected Int128 Normalize(ref LimitState state, long now)
    {
        state.Previous = Math.Max(state.Previous, now);
        var ahead = ((Int128)(state.Stamp - state.Previous) * Limit) + state.Count;
        if (ahead < 0)
        {
            state.Stamp = state.Previous;
            state.Count = 0;
            return 0;
        }

        return ahead;
    }

    /// <summary>Sets the kept time to the latest time seen plus <paramref name="ahead"/> (1/L ticks).</summary>
    protected void Store(ref LimitState state, Int128 ahead)
    {
        state.Stamp = state.Previous + DivRem(ahead, Limit, out state.Count);
        Debug.Assert(state.Count >= 0 && state.Count < Limit && state.Stamp >= 0);
    }
}
