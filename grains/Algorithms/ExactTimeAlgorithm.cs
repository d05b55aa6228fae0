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
public abstract class ExactTimeAlgorithm(LimitSpec spec) : LimitAlgorithm(spec)
{
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
