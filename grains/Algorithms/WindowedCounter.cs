using System.Diagnostics;
using GrainLimiter.Decisions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Algorithms;

/// <summary>The algorithms that count hits in the current window or period (fixed window, sliding window, quota).</summary>
/// <remarks>
/// <see cref="LimitState.Count"/> is the current window's hits. Charging adds to it; a refund takes back only what the
/// current window still holds, since a refund after the window moved on has nothing left to give back.
/// </remarks>
public abstract class WindowedCounter(LimitSpec spec) : LimitAlgorithm(spec)
{
    public sealed override long Charge(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        Roll(ref state, now);
        state.Count += cost;
        Debug.Assert(state.Count >= 0 && state.Count <= Limit, "a charge follows a check that admitted it");
        return 0;
    }

    public sealed override void Refund(ref LimitState state, long now, long cost, long leaseId)
    {
        Validate(now, cost);
        Roll(ref state, now);
        state.Count -= Math.Min(cost, state.Count);
        Debug.Assert(state.Count >= 0);
    }

    public sealed override long LeaseWindowEnd(ref LimitState state, long now)
    {
        Validate(now, 0);
        Roll(ref state, now);
        return WindowEnd(in state);
    }

    /// <summary>The end of the window or period the state is in (after <see cref="Roll"/>).</summary>
    protected abstract long WindowEnd(in LimitState state);

    public sealed override long GlobalWindow(ref LimitState state, long now)
    {
        Validate(now, 0);
        Roll(ref state, now);
        return state.Stamp;
    }

    public sealed override LimitDecision CheckGlobal(ref LimitState state, long now, long cost, long counted, long countedPrevious)
    {
        // Decide on a copy that holds every region's hits; the state itself keeps this region's own.
        var view = state;
        view.Count = Math.Max(state.Count, counted);
        WithPrevious(ref view, countedPrevious);
        return Check(ref view, now, cost);
    }

    /// <summary>Counts every region's hits of the previous window in a view of the state (only a sliding window weighs them).</summary>
    protected virtual void WithPrevious(ref LimitState view, long countedPrevious)
    {
    }

    /// <summary>Moves the state to the window or period containing <paramref name="now"/>; never backwards.</summary>
    protected abstract void Roll(ref LimitState state, long now);
}
