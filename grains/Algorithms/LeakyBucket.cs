using System.Diagnostics;
using GrainLimiter.Decisions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Algorithms;

/// <summary>Leaky bucket as a queue: requests leave at <c>limit</c> units per window; an admitted caller is told how long to wait for its turn.</summary>
/// <remarks>
/// State: <see cref="LimitState.Stamp"/> + <see cref="LimitState.Count"/> / limit = the time the queue is empty again
/// (every unit reserved so far has left), in whole ticks plus a remainder in units of 1/limit tick, since one unit
/// takes the fraction <c>W/L</c> of a tick. <see cref="LimitState.Previous"/> = latest time seen.
/// <see cref="LimitState.Entries"/> is unused.
/// <para>
/// A request of cost <c>n</c> arriving at <c>t</c> starts when the queue ahead of it is empty, at
/// <c>s = max(empty, t)</c>: it waits <c>ceil(s - t)</c> ticks and occupies the queue until <c>s + n * W / L</c>.
/// It is denied when that wait would exceed <see cref="LimitSpec.MaxWait"/>; a single request may not cost more
/// than the burst (<see cref="LimitSpec.Capacity"/>). Remaining = how many more unit requests would be admitted now;
/// the reported limit is how many an empty queue admits (<c>limit * maxWait / window + 1</c>).
/// Bound: the units that start in any interval of <c>d</c> ticks are at most <c>limit * d / window</c> plus the last request's cost.
/// </para>
/// </remarks>
public sealed class LeakyBucket : ExactTimeAlgorithm
{
    private readonly long _maxWaitTicks;

    // What decisions report as their limit: unit requests an empty queue admits (so remaining never exceeds it).
    private readonly long _queueCapacity;

    public LeakyBucket(LimitSpec spec) : base(spec)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(spec.MaxWait.Ticks, "spec.MaxWait");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(spec.MaxWait.Ticks, MaxSpanTicks, "spec.MaxWait");
        _maxWaitTicks = spec.MaxWait.Ticks;
        _queueCapacity = Remaining(0);
    }

    public override LimitDecision Check(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        var queued = Normalize(ref state, now);
        var at = state.Previous;
        var wait = Until(at + CeilDiv(queued, Limit), now);
        var fits = queued <= (Int128)_maxWaitTicks * Limit;
        if (cost == 0 || (fits && cost <= Capacity))
        {
            var after = queued + ((Int128)cost * WindowTicks);
            return new LimitDecision(true, _queueCapacity, Remaining(after), UntilReached(at, after, now), TimeSpan.Zero, wait);
        }

        var remaining = Remaining(queued);
        var resetAfter = UntilReached(at, queued, now);
        if (cost > Capacity)
        {
            return NeverAdmissible(remaining, resetAfter) with { Limit = _queueCapacity };
        }

        // The wait fits once empty - t <= maxWait.
        var retryAt = at + CeilDiv(queued - ((Int128)_maxWaitTicks * Limit), Limit);
        return new LimitDecision(false, _queueCapacity, remaining, resetAfter, Until(retryAt, now));
    }

    public override long Charge(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        var queued = Normalize(ref state, now) + ((Int128)cost * WindowTicks);
        Debug.Assert(queued <= ((Int128)_maxWaitTicks + MaxSpanTicks) * Limit, "a charge follows a check that admitted it");
        Store(ref state, queued);
        return 0;
    }

    /// <summary>Unit requests admitted now on top of a queue that drains in <paramref name="queued"/> (1/L ticks).</summary>
    private long Remaining(Int128 queued)
    {
        // The k-th more unit request waits queued + (k - 1) * W; it fits while that is at most maxWait * L.
        var slack = ((Int128)_maxWaitTicks * Limit) - queued;
        if (slack < 0)
        {
            return 0;
        }

        return slack <= long.MaxValue ? ((long)slack / WindowTicks) + 1 : (long)Int128.Min(long.MaxValue - 1, slack / WindowTicks) + 1;
    }
}
