using System.Diagnostics;
using GrainLimiter.Decisions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Algorithms;

/// <summary>How one limit decides. Stateless and shared by every grain of a policy; state is passed in.</summary>
/// <remarks>
/// Deciding is split in two so a grain with several limits can charge all or none:
/// <see cref="Check"/> brings the state to <c>now</c> and answers without charging, <see cref="Charge"/>
/// applies an admitted request. <c>now</c> is UTC ticks and may go backwards (a stepped clock): an
/// algorithm then treats it as the latest time it has seen, so a backwards step never mints capacity.
/// Valid times are <c>0..DateTime.MaxValue.Ticks</c>; every algorithm bounds its windows so that
/// <c>now + span</c> stays far from <see cref="long.MaxValue"/>.
/// </remarks>
public abstract class LimitAlgorithm
{
    /// <summary>The longest window (or lease, or wait, or refill) an algorithm accepts: <see cref="LimitBounds.MaxSpan"/>.</summary>
    protected static readonly long MaxSpanTicks = LimitBounds.MaxSpan.Ticks;

    protected LimitAlgorithm(LimitSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentOutOfRangeException.ThrowIfNegative(spec.Limit, "spec.Limit");
        ArgumentOutOfRangeException.ThrowIfNegative(spec.Capacity, "spec.Burst");
        Spec = spec;
    }

    public LimitSpec Spec { get; }

    public long Limit => Spec.Limit;

    /// <summary>Whether <paramref name="cost"/> would be admitted at <paramref name="now"/>; cost 0 peeks.</summary>
    public abstract LimitDecision Check(ref LimitState state, long now, long cost);

    /// <summary>Charges an admitted request. Call only right after <see cref="Check"/> admitted the same cost and time.</summary>
    /// <returns>The new lease id for concurrency limits; zero otherwise.</returns>
    public abstract long Charge(ref LimitState state, long now, long cost);

    /// <summary>Gives back a charge: a request another limit denied, or a released concurrency lease.</summary>
    public abstract void Refund(ref LimitState state, long now, long cost, long leaseId);

    /// <summary>How long until the state is equivalent to a fresh one; the persistence TTL.</summary>
    public abstract TimeSpan FreshAfter(in LimitState state, long now);

    /// <summary>When the window or period that a charge at <paramref name="now"/> counts in ends (UTC ticks); moves the state to now.
    /// A lease charged now expires no later: a return after it would credit a window that never held the charge.</summary>
    /// <remarks>Buckets (token bucket, GCRA) have no window: a refund never exceeds what was charged, so any time will do.</remarks>
    public virtual long LeaseWindowEnd(ref LimitState state, long now) => long.MaxValue;

    /// <summary>Global scope: the window whose hits regions exchange at <paramref name="now"/>; moves the state to now.</summary>
    public virtual long GlobalWindow(ref LimitState state, long now) =>
        throw new NotSupportedException($"{Spec.Algorithm} cannot be global.");

    /// <summary>Global scope: the window before <paramref name="window"/> whose hits still weigh (a sliding window's); -1 if none.</summary>
    public virtual long PreviousGlobalWindow(long window) => -1;

    /// <summary>Global scope: <see cref="Check"/> with every region's hits of the current (<paramref name="counted"/>) and
    /// previous (<paramref name="countedPrevious"/>) window counted as this state's own. Call after <see cref="GlobalWindow"/>.</summary>
    public virtual LimitDecision CheckGlobal(ref LimitState state, long now, long cost, long counted, long countedPrevious) =>
        Check(ref state, now, cost);

    /// <summary>Global scope: takes in <paramref name="cost"/> another region consumed in <paramref name="window"/> (a
    /// bucket's shared refill pays it back); counting algorithms count remote hits at check time instead.</summary>
    public virtual void AbsorbRemote(ref LimitState state, long now, long window, long cost)
    {
    }

    /// <summary>Carries <paramref name="state"/>, kept by <paramref name="previous"/> (the same algorithm with another limit,
    /// burst or window: an override or a reloaded policy), over to this algorithm, keeping the usage it counts.</summary>
    /// <remarks>Counting algorithms (windows, log, quota, concurrency) count hits or leases, which mean the same under any
    /// limit: nothing to do. The token bucket keeps its tokens used; GCRA and the leaky bucket keep their debt in tokens.</remarks>
    public virtual void Adopt(ref LimitState state, long now, LimitAlgorithm previous)
    {
        ArgumentNullException.ThrowIfNull(previous);
        Validate(now, 0);
    }

    /// <summary>The most regions a global limit counts; bounds a bucket's debt from remote hits.</summary>
    public const int MaxRegions = 16;

    public static LimitAlgorithm Create(LimitSpec spec) => spec.Algorithm switch
    {
        LimitAlgorithmKind.FixedWindow => new FixedWindow(spec),
        LimitAlgorithmKind.SlidingWindow => new SlidingWindow(spec),
        LimitAlgorithmKind.SlidingLog => new SlidingLog(spec),
        LimitAlgorithmKind.TokenBucket => new TokenBucket(spec),
        LimitAlgorithmKind.Gcra => new Gcra(spec),
        LimitAlgorithmKind.LeakyBucket => new LeakyBucket(spec),
        LimitAlgorithmKind.Concurrency => new Concurrency(spec),
        LimitAlgorithmKind.Quota => new Quota(spec),
        _ => throw new NotSupportedException($"Algorithm {spec.Algorithm} is not implemented."),
    };

    protected static TimeSpan Ticks(long ticks) => TimeSpan.FromTicks(ticks);

    /// <summary>Time from <paramref name="now"/> until <paramref name="when"/>; zero if already past.</summary>
    protected static TimeSpan Until(long when, long now) => when > now ? TimeSpan.FromTicks(when - now) : TimeSpan.Zero;

    /// <summary>Throws unless <paramref name="now"/> is a valid UTC tick count and <paramref name="cost"/> is not negative.</summary>
    protected static void Validate(long now, long cost)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(now);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(now, DateTime.MaxValue.Ticks);
        ArgumentOutOfRangeException.ThrowIfNegative(cost);
    }

    /// <summary>Ticks of a configured span, required to be in <c>(0, MaxSpanTicks]</c>.</summary>
    protected static long PositiveSpan(TimeSpan span, string name)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(span.Ticks, name);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(span.Ticks, MaxSpanTicks, name);
        return span.Ticks;
    }

    /// <summary>Ceiling of <paramref name="value"/> / <paramref name="divisor"/>, for a non-negative value and a positive divisor
    /// whose quotient fits a long. Uses 64-bit division when the value fits (the common case): Int128 division is slow.</summary>
    protected static long CeilDiv(Int128 value, long divisor)
    {
        Debug.Assert(value >= 0 && divisor > 0);
        return value <= long.MaxValue - divisor
            ? ((long)value + divisor - 1) / divisor
            : (long)((value + (divisor - 1)) / divisor);
    }

    /// <summary>Quotient and remainder of a non-negative <paramref name="value"/> by a positive <paramref name="divisor"/>,
    /// for a quotient that fits a long; 64-bit division when the value fits.</summary>
    protected static long DivRem(Int128 value, long divisor, out long remainder)
    {
        Debug.Assert(value >= 0 && divisor > 0);
        if (value <= long.MaxValue)
        {
            (var quotient, remainder) = Math.DivRem((long)value, divisor);
            return quotient;
        }

        var (wide, rest) = Int128.DivRem(value, divisor);
        remainder = (long)rest;
        return (long)wide;
    }

    /// <summary>The denial of a cost above what the limit can ever admit.</summary>
    protected LimitDecision NeverAdmissible(long remaining, TimeSpan resetAfter) =>
        new(false, Limit, remaining, resetAfter, LimitDecision.Never);
}
