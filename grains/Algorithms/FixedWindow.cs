using System.Diagnostics;
using GrainLimiter.Decisions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Algorithms;

/// <summary>At most <c>limit</c> per window; windows are aligned to the Unix epoch so every silo agrees on them.</summary>
/// <remarks>State: <see cref="LimitState.Stamp"/> = start of the current window, <see cref="LimitState.Count"/> = hits in it.</remarks>
public sealed class FixedWindow : LimitAlgorithm
{
    private readonly long _windowTicks;

    public FixedWindow(LimitSpec spec) : base(spec)
    {
        _windowTicks = spec.Window.Ticks;
    }

    public override LimitDecision Check(ref LimitState state, long now, long cost)
    {
        Roll(ref state, now);
        var resetAfter = Ticks(state.Stamp + _windowTicks - Math.Max(now, state.Stamp));
        var remaining = Limit - state.Count;
        if (cost <= remaining)
        {
            return new LimitDecision(true, Limit, remaining - cost, resetAfter, TimeSpan.Zero);
        }

        var retryAfter = cost > Limit ? LimitDecision.Never : resetAfter;
        return new LimitDecision(false, Limit, remaining, resetAfter, retryAfter);
    }

    public override long Charge(ref LimitState state, long now, long cost)
    {
        state.Count += cost;
        Debug.Assert(state.Count <= Limit);
        return 0;
    }

    public override void Refund(ref LimitState state, long now, long cost, long leaseId)
    {
        state.Count = Math.Max(0, state.Count - cost);
    }

    public override TimeSpan FreshAfter(in LimitState state, long now) =>
        state.Count == 0 ? TimeSpan.Zero : Ticks(Math.Max(0, state.Stamp + _windowTicks - now));

    private void Roll(ref LimitState state, long now)
    {
        var windowStart = now - Mod(now - DateTime.UnixEpoch.Ticks, _windowTicks);
        // Only move forward: a clock stepping back stays in the window it already counted.
        if (windowStart > state.Stamp)
        {
            state.Stamp = windowStart;
            state.Count = 0;
        }
    }

    private static long Mod(long value, long divisor) => ((value % divisor) + divisor) % divisor;
}
