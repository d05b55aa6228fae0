using System.Diagnostics;
using GrainLimiter.Decisions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Algorithms;

/// <summary>A bucket of <c>burst</c> tokens (default: the limit) refilled at <c>limit</c> tokens per window; a request takes <c>cost</c> tokens.</summary>
/// <remarks>
/// State: <see cref="LimitState.Count"/> = tokens used (capacity minus tokens held, so the default state is a full bucket);
/// <see cref="LimitState.Stamp"/> + <see cref="LimitState.Previous"/> / limit = the refill origin, in ticks: whole ticks
/// plus a remainder in units of 1/limit tick. One token takes <c>W/L</c> ticks, a fraction; keeping the origin to
/// 1/L tick makes refills exact: the origin advances by exactly <c>added * W / L</c> for <c>added</c> whole tokens, so no
/// sub-token time is lost or minted however the calls are spaced (rounding the origin up to a whole tick would lose
/// time at every refill). All products are Int128. <see cref="LimitState.Entries"/> is unused.
/// Bound: at most <c>burst + ceil(limit * elapsed / window)</c> admitted in any interval of <c>elapsed</c> ticks.
/// Decides exactly as <see cref="Gcra"/>.
/// </remarks>
public sealed class TokenBucket : LimitAlgorithm
{
    private readonly long _windowTicks;
    private readonly long _capacity;

    public TokenBucket(LimitSpec spec) : base(spec)
    {
        _windowTicks = PositiveSpan(spec.Window, "spec.Window");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(spec.Limit, "spec.Limit");
        _capacity = spec.Capacity;
        // Refilling a whole bucket must fit in a span, so origins stay far from overflow.
        ArgumentOutOfRangeException.ThrowIfGreaterThan((Int128)_capacity * _windowTicks / spec.Limit, MaxSpanTicks, "spec.Burst");
    }

    public override LimitDecision Check(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        Refill(ref state, now);
        var remaining = Math.Max(0, _capacity - state.Count);
        if (cost <= remaining)
        {
            return new LimitDecision(true, Limit, remaining - cost, FullAt(in state, state.Count + cost, now), TimeSpan.Zero);
        }

        var resetAfter = FullAt(in state, state.Count, now);
        if (cost > _capacity)
        {
            return NeverAdmissible(remaining, resetAfter);
        }

        // (used - (capacity - cost)) more tokens must accrue since the origin.
        var retryAt = TimeWhenAccrued(in state, state.Count - (_capacity - cost));
        return new LimitDecision(false, Limit, remaining, resetAfter, Until(retryAt, now));
    }

    public override long Charge(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        Refill(ref state, now);
        state.Count += cost;
        Debug.Assert(state.Count >= 0 && state.Count <= _capacity, "a charge follows a check that admitted it");
        return 0;
    }

    public override void Refund(ref LimitState state, long now, long cost, long leaseId)
    {
        Validate(now, cost);
        Refill(ref state, now);
        state.Count -= Math.Min(cost, state.Count);
        Debug.Assert(state.Count >= 0);
    }

    public override TimeSpan FreshAfter(in LimitState state, long now) => FullAt(in state, state.Count, now);

    public override long GlobalWindow(ref LimitState state, long now) => FixedWindow.WindowStart(now, _windowTicks);

    public override void AbsorbRemote(ref LimitState state, long now, long window, long cost)
    {
        Validate(now, cost);
        // Hits older than the previous window have long been refilled; beyond every region's bucket is a report gone wrong.
        if (window >= GlobalWindow(ref state, now) - _windowTicks)
        {
            Refill(ref state, now);
            state.Count = Math.Min(state.Count + cost, MaxRegions * _capacity);
        }
    }

    public override void Adopt(ref LimitState state, long now, LimitAlgorithm previous)
    {
        base.Adopt(ref state, now, previous);
        if (previous is not TokenBucket earlier || ReferenceEquals(earlier, this))
        {
            return;
        }

        // Bring the tokens to now under the old rate, then restart the refill origin now: the tokens used carry over.
        earlier.Refill(ref state, now);
        state.Count = Math.Min(state.Count, MaxRegions * _capacity);
        state.Stamp = Math.Max(now, state.Stamp);
        state.Previous = 0;
    }

    /// <summary>Adds the whole tokens accrued since the origin and moves the origin by exactly their time.</summary>
    private void Refill(ref LimitState state, long now)
    {
        // A clock stepping back is treated as the origin: no token accrues before it.
        var at = Math.Max(now, state.Stamp);
        if (state.Count > 0)
        {
            // Elapsed time since the origin in units of 1/L tick; tokens = elapsed / W.
            var elapsed = ((Int128)(at - state.Stamp) * Limit) - state.Previous;
            if (elapsed < (Int128)state.Count * _windowTicks)
            {
                var added = elapsed > 0 ? DivRem(elapsed, _windowTicks, out _) : 0;
                // The origin moves by exactly added * W / L ticks: whole ticks into Stamp, the rest stays in Previous.
                state.Stamp += DivRem(state.Previous + ((Int128)added * _windowTicks), Limit, out state.Previous);
                state.Count -= added;
                Debug.Assert(state.Stamp <= at && state.Previous >= 0 && state.Previous < Limit && state.Count > 0);
                return;
            }
        }

        // Full: time spent full accrues nothing, so the origin is now.
        state.Count = 0;
        state.Stamp = at;
        state.Previous = 0;
    }

    /// <summary>The first whole tick at which <paramref name="tokens"/> tokens have accrued since the origin.</summary>
    private long TimeWhenAccrued(in LimitState state, long tokens) =>
        state.Stamp + CeilDiv(state.Previous + ((Int128)tokens * _windowTicks), Limit);

    private TimeSpan FullAt(in LimitState state, long used, long now) =>
        used <= 0 ? TimeSpan.Zero : Until(TimeWhenAccrued(in state, used), now);
}
