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
/// than the burst (<see cref="LimitSpec.Capacity"/>). Remaining = how many more unit requests would be admitted now.
/// Bound: the units that start in any interval of <c>d</c> ticks are at most <c>limit * d / window</c> plus the last request's cost.
/// </para>
/// </remarks>
public sealed class LeakyBucket : LimitAlgorithm
{
    private readonly long _windowTicks;
    private readonly long _maxWaitTicks;
    private readonly long _capacity;

    public LeakyBucket(LimitSpec spec) : base(spec)
    {
        _windowTicks = PositiveSpan(spec.Window, "spec.Window");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(spec.Limit, "spec.Limit");
        ArgumentOutOfRangeException.ThrowIfNegative(spec.MaxWait.Ticks, "spec.MaxWait");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(spec.MaxWait.Ticks, MaxSpanTicks, "spec.MaxWait");
        _maxWaitTicks = spec.MaxWait.Ticks;
        _capacity = spec.Capacity;
        ArgumentOutOfRangeException.ThrowIfGreaterThan((Int128)_capacity * _windowTicks / spec.Limit, MaxSpanTicks, "spec.Burst");
    }

    public override LimitDecision Check(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        var empty = Normalize(ref state, now);
        var seen = (Int128)state.Previous * Limit;
        var queued = empty - seen;
        var wait = Until(state.Previous + (long)CeilDiv(queued, Limit), now);
        var fits = queued <= (Int128)_maxWaitTicks * Limit;
        if (cost == 0 || (fits && cost <= _capacity))
        {
            var after = empty + (Int128)cost * _windowTicks;
            return new LimitDecision(true, Limit, Remaining(after - seen), EmptyAt(after, seen, now), TimeSpan.Zero, wait);
        }

        var remaining = Remaining(queued);
        var resetAfter = EmptyAt(empty, seen, now);
        if (cost > _capacity)
        {
            return NeverAdmissible(remaining, resetAfter);
        }

        // The wait fits once empty - t <= maxWait, i.e. from t = ceil((empty - maxWait * L) / L).
        var retryAt = (long)CeilDiv(empty - (Int128)_maxWaitTicks * Limit, Limit);
        return new LimitDecision(false, Limit, remaining, resetAfter, Until(retryAt, now));
    }

    public override long Charge(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        var empty = Normalize(ref state, now) + (Int128)cost * _windowTicks;
        Store(ref state, empty);
        return 0;
    }

    public override void Refund(ref LimitState state, long now, long cost, long leaseId)
    {
        Validate(now, cost);
        var empty = Normalize(ref state, now);
        var seen = (Int128)state.Previous * Limit;
        Store(ref state, Int128.Max(seen, empty - (Int128)Math.Min(cost, _capacity) * _windowTicks));
    }

    public override TimeSpan FreshAfter(in LimitState state, long now)
    {
        var empty = (Int128)state.Stamp * Limit + state.Count;
        return EmptyAt(empty, (Int128)Math.Max(now, state.Previous) * Limit, now);
    }

    /// <summary>Unit requests admitted now on top of a queue that drains in <paramref name="queued"/> (1/L ticks).</summary>
    private long Remaining(Int128 queued)
    {
        // The k-th more unit request waits queued + (k - 1) * W; it fits while that is at most maxWait * L.
        var slack = (Int128)_maxWaitTicks * Limit - queued;
        return slack < 0 ? 0 : (long)Int128.Min(long.MaxValue, slack / _windowTicks + 1);
    }

    /// <summary>Records <paramref name="now"/> as seen (never going back) and returns when the queue is empty, at least that time, in 1/L ticks.</summary>
    private Int128 Normalize(ref LimitState state, long now)
    {
        state.Previous = Math.Max(state.Previous, now);
        var empty = (Int128)state.Stamp * Limit + state.Count;
        var seen = (Int128)state.Previous * Limit;
        if (empty < seen)
        {
            Store(ref state, seen);
            return seen;
        }

        return empty;
    }

    private void Store(ref LimitState state, Int128 empty)
    {
        state.Stamp = (long)(empty / Limit);
        state.Count = (long)(empty % Limit);
        Debug.Assert(state.Count >= 0 && state.Count < Limit && state.Stamp >= 0);
        Debug.Assert(empty - (Int128)state.Previous * Limit <= ((Int128)_maxWaitTicks + MaxSpanTicks) * Limit, "a charge follows a check that admitted it");
    }

    private TimeSpan EmptyAt(Int128 empty, Int128 seen, long now) =>
        empty > seen ? Until((long)CeilDiv(empty, Limit), now) : TimeSpan.Zero;
}
