using System.Diagnostics;
using GrainLimiter.Decisions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Algorithms;

/// <summary>Generic cell rate algorithm: the token bucket kept as one theoretical arrival time (TAT).</summary>
/// <remarks>
/// State: <see cref="LimitState.Stamp"/> + <see cref="LimitState.Count"/> / limit = the TAT, in whole ticks plus a
/// remainder in units of 1/limit tick (the emission interval <c>T = W/L</c> is a fraction; this keeps the TAT exact).
/// <see cref="LimitState.Previous"/> = latest time seen. <see cref="LimitState.Entries"/> is unused.
/// <para>
/// The debt at <c>t</c> is <c>(TAT - t) / T</c> tokens, so <c>ceil(debt)</c> is the token bucket's used count; a cost
/// <c>n</c> is admitted iff <c>TAT - t &lt;= (burst - n) * T</c>, and charging sets <c>TAT = max(TAT, t) + n * T</c>.
/// Decisions (allowed, remaining, reset, retry-after) are identical to <see cref="TokenBucket"/> on the same inputs.
/// </para>
/// </remarks>
public sealed class Gcra : LimitAlgorithm
{
    private readonly long _windowTicks;
    private readonly long _capacity;

    public Gcra(LimitSpec spec) : base(spec)
    {
        _windowTicks = PositiveSpan(spec.Window, "spec.Window");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(spec.Limit, "spec.Limit");
        _capacity = spec.Capacity;
        ArgumentOutOfRangeException.ThrowIfGreaterThan((Int128)_capacity * _windowTicks / spec.Limit, MaxSpanTicks, "spec.Burst");
    }

    public override LimitDecision Check(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        var tat = Normalize(ref state, now);
        // Tokens in debt, rounded up: a fraction of a token still being earned is not available.
        var debt = tat - (Int128)state.Previous * Limit;
        var used = (long)CeilDiv(debt, _windowTicks);
        var remaining = Math.Max(0, _capacity - used);
        if (cost <= remaining)
        {
            return new LimitDecision(true, Limit, remaining - cost, FullAt(tat + (Int128)cost * _windowTicks, debt > 0 || cost > 0, now), TimeSpan.Zero);
        }

        var resetAfter = FullAt(tat, debt > 0, now);
        if (cost > _capacity)
        {
            return NeverAdmissible(remaining, resetAfter);
        }

        // Admitted once TAT - t <= (capacity - cost) * T.
        var retryAt = (long)CeilDiv(tat - (Int128)(_capacity - cost) * _windowTicks, Limit);
        return new LimitDecision(false, Limit, remaining, resetAfter, Until(retryAt, now));
    }

    public override long Charge(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        var tat = Normalize(ref state, now) + (Int128)cost * _windowTicks;
        Store(ref state, tat);
        Debug.Assert(tat - (Int128)state.Previous * Limit <= (Int128)_capacity * _windowTicks, "a charge follows a check that admitted it");
        return 0;
    }

    public override void Refund(ref LimitState state, long now, long cost, long leaseId)
    {
        Validate(now, cost);
        var tat = Normalize(ref state, now);
        var floor = (Int128)state.Previous * Limit;
        Store(ref state, Int128.Max(floor, tat - (Int128)Math.Min(cost, _capacity) * _windowTicks));
    }

    public override TimeSpan FreshAfter(in LimitState state, long now)
    {
        var tat = (Int128)state.Stamp * Limit + state.Count;
        return FullAt(tat, tat > (Int128)Math.Max(now, state.Previous) * Limit, now);
    }

    /// <summary>Records <paramref name="now"/> as seen (never going back) and returns the TAT, at least that time, in 1/L ticks.</summary>
    private Int128 Normalize(ref LimitState state, long now)
    {
        state.Previous = Math.Max(state.Previous, now);
        var tat = (Int128)state.Stamp * Limit + state.Count;
        var t = (Int128)state.Previous * Limit;
        if (tat < t)
        {
            // Idle time beyond a full bucket earns nothing.
            Store(ref state, t);
            return t;
        }

        return tat;
    }

    private void Store(ref LimitState state, Int128 tat)
    {
        state.Stamp = (long)(tat / Limit);
        state.Count = (long)(tat % Limit);
        Debug.Assert(state.Count >= 0 && state.Count < Limit);
    }

    private TimeSpan FullAt(Int128 tat, bool inDebt, long now) =>
        inDebt ? Until((long)CeilDiv(tat, Limit), now) : TimeSpan.Zero;
}
