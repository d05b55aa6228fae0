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
/// The math works on <c>TAT - t</c> in 1/L ticks (Int128 products, usually small enough for 64-bit division).
/// </para>
/// </remarks>
public sealed class Gcra(LimitSpec spec) : ExactTimeAlgorithm(spec)
{
    public override LimitDecision Check(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        var debt = Normalize(ref state, now);
        var at = state.Previous;
        // Tokens in debt, rounded up: a fraction of a token still being earned is not available.
        var used = CeilDiv(debt, WindowTicks);
        var remaining = Math.Max(0, Capacity - used);
        if (cost <= remaining)
        {
            return new LimitDecision(true, Limit, remaining - cost, UntilReached(at, debt + ((Int128)cost * WindowTicks), now), TimeSpan.Zero);
        }

        var resetAfter = UntilReached(at, debt, now);
        if (cost > Capacity)
        {
            return NeverAdmissible(remaining, resetAfter);
        }

        // Admitted once TAT - t <= (capacity - cost) * T.
        var retryAt = at + CeilDiv(debt - ((Int128)(Capacity - cost) * WindowTicks), Limit);
        return new LimitDecision(false, Limit, remaining, resetAfter, Until(retryAt, now));
    }

    public override long GlobalWindow(ref LimitState state, long now) => FixedWindow.WindowStart(now, Spec.Window.Ticks);

    public override void AbsorbRemote(ref LimitState state, long now, long window, long cost)
    {
        Validate(now, cost);
        // Hits older than the previous window have long been paid back; beyond every region's burst is a report gone wrong.
        if (window >= GlobalWindow(ref state, now) - Spec.Window.Ticks)
        {
            var debt = Normalize(ref state, now) + ((Int128)Math.Min(cost, MaxRegions * Capacity) * WindowTicks);
            Store(ref state, Int128.Min(debt, (Int128)MaxRegions * Capacity * WindowTicks));
        }
    }

    public override long Charge(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        var debt = Normalize(ref state, now) + ((Int128)cost * WindowTicks);
        Store(ref state, debt);
        Debug.Assert(debt <= (Int128)Capacity * WindowTicks, "a charge follows a check that admitted it");
        return 0;
    }
}
