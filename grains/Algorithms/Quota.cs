using System.Diagnostics;
using GrainLimiter.Decisions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Algorithms;

/// <summary>Calendar quota: at most <c>limit</c> per day, ISO week (from Monday) or month, starting at local midnight of a time zone.</summary>
/// <remarks>
/// State: <see cref="LimitState.Stamp"/> = start of the current period and <see cref="LimitState.Previous"/> = start of
/// the next one (UTC ticks; caching the next start keeps the time-zone math off the hot path),
/// <see cref="LimitState.Count"/> = cost used in the period. <see cref="LimitState.Entries"/> is unused.
/// Period starts are computed in local time, then converted to UTC, so a day across a DST change lasts 23 or
/// 25 hours. A midnight skipped by a DST gap starts the period at the end of the gap; a midnight that occurs
/// twice starts it at the first occurrence. Bound: at most <c>limit</c> per period.
/// </remarks>
public sealed class Quota : WindowedCounter
{
    private readonly TimeZoneInfo _zone;
    private readonly QuotaPeriod _period;

    public Quota(LimitSpec spec) : base(spec)
    {
        ArgumentNullException.ThrowIfNull(spec.TimeZone, "spec.TimeZone");
        _zone = spec.TimeZone;
        _period = Enum.IsDefined(spec.Period) ? spec.Period : throw new ArgumentOutOfRangeException("spec.Period", spec.Period, null);
    }

    public override LimitDecision Check(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        Roll(ref state, now);
        var resetAfter = Until(state.Previous, now);
        var remaining = Math.Max(0, Limit - state.Count);
        if (cost <= remaining)
        {
            return new LimitDecision(true, Limit, remaining - cost, state.Count + cost == 0 ? TimeSpan.Zero : resetAfter, TimeSpan.Zero);
        }

        // The next period starts with nothing used: any cost up to the limit fits exactly then.
        return cost > Limit ? NeverAdmissible(remaining, resetAfter) : new LimitDecision(false, Limit, remaining, resetAfter, resetAfter);
    }

    public override TimeSpan FreshAfter(in LimitState state, long now) =>
        state.Count == 0 ? TimeSpan.Zero : Until(state.Previous, now);

    /// <summary>Start of the period holding <paramref name="utcTicks"/>, in UTC ticks.</summary>
    public long PeriodStart(long utcTicks) => ToUtc(LocalPeriodStart(LocalDate(utcTicks)));

    /// <summary>Start of the period after the one holding <paramref name="utcTicks"/>, in UTC ticks.</summary>
    public long NextPeriodStart(long utcTicks)
    {
        var start = LocalPeriodStart(LocalDate(utcTicks));
        var last = DateTime.MaxValue.Date;
        DateTime? next = _period switch
        {
            QuotaPeriod.Day => start < last ? start.AddDays(1) : null,
            QuotaPeriod.Week => start < last.AddDays(-7) ? start.AddDays(7) : null,
            _ => start < last.AddMonths(-1) ? start.AddMonths(1) : null,
        };

        // The calendar ends with year 9999: the last period never ends.
        return next is { } value ? ToUtc(value) : long.MaxValue;
    }

    protected override long WindowEnd(in LimitState state) => state.Previous;

    protected override void Roll(ref LimitState state, long now)
    {
        // Only move forward: a clock stepping back stays in the period it already counted.
        if (now < state.Previous)
        {
            return;
        }

        var start = PeriodStart(now);
        if (start > state.Stamp || (state.Stamp == 0 && state.Count == 0))
        {
            state.Stamp = start;
            state.Count = 0;
        }

        state.Previous = NextPeriodStart(now);
        Debug.Assert(state.Previous > now);
    }

    private DateTime LocalDate(long utcTicks) =>
        TimeZoneInfo.ConvertTimeFromUtc(new DateTime(utcTicks, DateTimeKind.Utc), _zone).Date;

    private DateTime LocalPeriodStart(DateTime localDate) => _period switch
    {
        QuotaPeriod.Day => localDate,
        // ISO weeks start on Monday: DayOfWeek counts from Sunday = 0.
        QuotaPeriod.Week => localDate.AddDays(-(((int)localDate.DayOfWeek + 6) % 7)),
        _ => new DateTime(localDate.Year, localDate.Month, 1),
    };

    /// <summary>The first UTC instant whose local time is at or after <paramref name="localMidnight"/>, never below 0.</summary>
    private long ToUtc(DateTime localMidnight)
    {
        TimeSpan offset;
        if (_zone.IsInvalidTime(localMidnight))
        {
            // Skipped by a DST gap: the period starts when the clock jumps, at the offset in force before the gap.
            offset = _zone.GetUtcOffset(localMidnight.Ticks > 0 ? localMidnight.AddTicks(-1) : localMidnight);
        }
        else if (_zone.IsAmbiguousTime(localMidnight))
        {
            // Occurs twice: the first occurrence is under the larger offset.
            offset = _zone.GetAmbiguousTimeOffsets(localMidnight).Max();
        }
        else
        {
            offset = _zone.GetUtcOffset(localMidnight);
        }

        return Math.Max(0, localMidnight.Ticks - offset.Ticks);
    }
}
