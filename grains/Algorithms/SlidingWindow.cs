using System.Diagnostics;
using GrainLimiter.Decisions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Algorithms;

/// <summary>Sliding window counter: the previous window's count, weighted by how much of it still overlaps, plus the current one.</summary>
/// <remarks>
/// State: <see cref="LimitState.Stamp"/> = start of the current epoch-aligned window, <see cref="LimitState.Count"/> =
/// cost admitted in it, <see cref="LimitState.Previous"/> = cost admitted in the window just before.
/// <see cref="LimitState.Entries"/> is unused.
/// <para>
/// With <c>e</c> = ticks elapsed in the current window and <c>W</c> the window, the estimate is
/// <c>ceil(previous * (W - e) / W) + current</c>: the weighted part is rounded up, so the estimate never
/// under-counts and a request is admitted iff <c>previous * (W - e) &lt;= (limit - current - cost) * W</c>, an exact
/// integer comparison (Int128). Bound: at most <c>limit</c> in every aligned window, and the estimate never exceeds the limit.
/// </para>
/// </remarks>
public sealed class SlidingWindow : WindowedCounter
{
    private readonly long _windowTicks;

    public SlidingWindow(LimitSpec spec) : base(spec)
    {
        _windowTicks = PositiveSpan(spec.Window, "spec.Window");
    }

    public override LimitDecision Check(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        Roll(ref state, now);
        var elapsed = Math.Max(0, now - state.Stamp);
        // Weighted previous count, in units of 1/W: the rational part of the estimate, kept exact.
        var weighted = (Int128)state.Previous * (_windowTicks - elapsed);
        var previousPart = CeilDiv(weighted, _windowTicks);
        var remaining = Math.Max(0, Limit - state.Count - previousPart);
        if (cost <= remaining)
        {
            return new LimitDecision(true, Limit, remaining - cost, ResetAfter(state.Stamp, state.Count + cost, state.Previous, now), TimeSpan.Zero);
        }

        var resetAfter = ResetAfter(state.Stamp, state.Count, state.Previous, now);
        if (cost > Limit)
        {
            return NeverAdmissible(remaining, resetAfter);
        }

        return new LimitDecision(false, Limit, remaining, resetAfter, Until(EarliestAdmission(in state, now, cost), now));
    }

    public override TimeSpan FreshAfter(in LimitState state, long now) =>
        ResetAfter(state.Stamp, state.Count, state.Previous, now);

    /// <summary>The first tick at which <paramref name="cost"/> (at most the limit) is admitted, given nothing else happens.</summary>
    private long EarliestAdmission(in LimitState state, long now, long cost)
    {
        var elapsed = Math.Max(0, now - state.Stamp);
        // In the current window: need current + cost <= limit and previous * (W - x) <= slack * W.
        // The smallest such x is W - floor(slack * W / previous).
        var slack = Limit - state.Count - cost;
        if (slack >= 0)
        {
            var x = OffsetWhereWeightFits(state.Previous, slack);
            if (x < _windowTicks)
            {
                return state.Stamp + Math.Max(x, elapsed);
            }
        }

        // In the next window the current count becomes the previous one and the current count is zero;
        // an offset of W means the window after that, where both are zero.
        return state.Stamp + _windowTicks + OffsetWhereWeightFits(state.Count, Limit - cost);
    }

    /// <summary>Smallest offset x in [0, W] into a window with <paramref name="previous"/> behind it at which previous * (W - x) &lt;= slack * W.</summary>
    private long OffsetWhereWeightFits(long previous, long slack)
    {
        if (previous == 0)
        {
            return 0;
        }

        var decayed = (Int128)slack * _windowTicks / previous;
        return decayed >= _windowTicks ? 0 : _windowTicks - (long)decayed;
    }

    private TimeSpan ResetAfter(long windowStart, long current, long previous, long now)
    {
        // Current hits weigh on the next window until its end; previous hits only until this window's end.
        if (current > 0)
        {
            return Until(windowStart + 2 * _windowTicks, now);
        }

        return previous > 0 ? Until(windowStart + _windowTicks, now) : TimeSpan.Zero;
    }

    public override long PreviousGlobalWindow(long window) => window - _windowTicks;

    protected override void WithPrevious(ref LimitState view, long countedPrevious) =>
        view.Previous = Math.Max(view.Previous, countedPrevious);

    protected override long WindowEnd(in LimitState state) => state.Stamp + _windowTicks;

    protected override void Roll(ref LimitState state, long now)
    {
        var windowStart = FixedWindow.WindowStart(now, _windowTicks);
        if (windowStart > state.Stamp)
        {
            state.Previous = windowStart - state.Stamp == _windowTicks ? state.Count : 0;
            state.Count = 0;
            state.Stamp = windowStart;
        }
        else if (state.Stamp == 0 && state.Count == 0 && state.Previous == 0)
        {
            // A fresh state takes the window of its first call, which starts before 0 for times near 0.
            state.Stamp = windowStart;
        }

        // A clock stepping back stays in the window it already counted (more weight on the previous window: stricter).
        Debug.Assert(state.Count >= 0 && state.Previous >= 0);
    }
}
