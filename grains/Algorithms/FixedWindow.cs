using GrainLimiter.Decisions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Algorithms;

/// <summary>At most <c>limit</c> per window; windows are aligned to the Unix epoch so every silo agrees on them.</summary>
/// <remarks>
/// State: <see cref="LimitState.Stamp"/> = start of the current window (UTC ticks), <see cref="LimitState.Count"/> =
/// cost admitted in it. <see cref="LimitState.Previous"/> and <see cref="LimitState.Entries"/> are unused.
/// Bound: at most <c>limit</c> in every aligned window (so up to twice that across a window edge).
/// </remarks>
public sealed class FixedWindow : WindowedCounter
{
    private readonly long _windowTicks;

    public FixedWindow(LimitSpec spec) : base(spec)
    {
        _windowTicks = PositiveSpan(spec.Window, "spec.Window");
    }

    public override LimitDecision Check(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        Roll(ref state, now);
        var windowEnd = state.Stamp + _windowTicks;
        var remaining = Math.Max(0, Limit - state.Count);
        if (cost <= remaining)
        {
            var used = state.Count + cost;
            return new LimitDecision(true, Limit, remaining - cost, used == 0 ? TimeSpan.Zero : Until(windowEnd, now), TimeSpan.Zero);
        }

        var resetAfter = Until(windowEnd, now);
        // At the next window the count is zero, so any cost up to the limit fits exactly then and not a tick before.
        return cost > Limit ? NeverAdmissible(remaining, resetAfter) : new LimitDecision(false, Limit, remaining, resetAfter, resetAfter);
    }

    public override TimeSpan FreshAfter(in LimitState state, long now) =>
        state.Count == 0 ? TimeSpan.Zero : Until(state.Stamp + _windowTicks, now);

    protected override long WindowEnd(in LimitState state) => state.Stamp + _windowTicks;

    protected override void Roll(ref LimitState state, long now)
    {
        var windowStart = WindowStart(now, _windowTicks);
        // Only move forward: a clock stepping back stays in the window it already counted. A fresh state
        // (stamp 0) also takes the window of the first call, which starts before 0 for times near 0.
        if (windowStart > state.Stamp || (state.Stamp == 0 && state.Count == 0))
        {
            state.Stamp = windowStart;
            state.Count = 0;
        }
    }

    /// <summary>Start of the epoch-aligned window holding <paramref name="now"/>.</summary>
    internal static long WindowStart(long now, long windowTicks)
    {
        var offset = (now - DateTime.UnixEpoch.Ticks) % windowTicks;
        return now - (offset < 0 ? offset + windowTicks : offset);
    }
}
