using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Algorithms;

public sealed class QuotaTests : AlgorithmContractTests
{
    private static readonly LimitSpec DailySpec =
        new() { Algorithm = LimitAlgorithmKind.Quota, Limit = 10, Period = QuotaPeriod.Day, TimeZone = TimeZoneInfo.Utc };
    private static readonly TimeZoneInfo Paris = TimeZoneInfo.FindSystemTimeZoneById("Europe/Paris");

    protected override LimitSpec Spec => DailySpec;

    protected override Type ExpectedType => typeof(Quota);

    protected override long TimeScale => TimeSpan.TicksPerDay;

    protected override void AssertWithinBound(IReadOnlyList<Admission> admitted) =>
        AssertAtMostPerAlignedWindow(admitted, TimeSpan.TicksPerDay, Spec.Limit);

    [Theory]
    [InlineData("2026-03-29T10:00:00Z", "2026-03-28T23:00:00Z", "2026-03-29T22:00:00Z", 23)]
    [InlineData("2026-10-25T10:00:00Z", "2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z", 25)]
    [InlineData("2026-03-14T12:00:00Z", "2026-03-13T23:00:00Z", "2026-03-14T23:00:00Z", 24)]
    public void DailyQuotaResetsAtLocalMidnightAcrossDstChanges(string now, string start, string next, int hours)
    {
        var quota = Create(QuotaPeriod.Day, Paris);
        var at = Utc(now);

        Assert.Equal(Utc(start), quota.PeriodStart(at));
        Assert.Equal(Utc(next), quota.NextPeriodStart(at));
        Assert.Equal(TimeSpan.FromHours(hours), TimeSpan.FromTicks(Utc(next) - Utc(start)));
    }

    [Fact]
    public void ExhaustedDailyQuotaIsAdmittedAgainExactlyAtLocalMidnight()
    {
        var quota = new Quota(new LimitSpec { Algorithm = LimitAlgorithmKind.Quota, Limit = 5, Period = QuotaPeriod.Day, TimeZone = Paris });
        var state = new LimitState();
        var now = Utc("2026-03-29T10:00:00Z");
        Assert.True(quota.Check(ref state, now, 5).Allowed);
        quota.Charge(ref state, now, 5);

        var denied = quota.Check(ref state, now, 1);
        var midnight = Utc("2026-03-29T22:00:00Z");

        Assert.Equal(TimeSpan.FromHours(12), denied.RetryAfter);
        Assert.Equal(TimeSpan.FromHours(12), denied.ResetAfter);
        Assert.False(quota.Check(ref state, midnight - 1, 1).Allowed);
        var nextDay = quota.Check(ref state, midnight, 5);
        Assert.True(nextDay.Allowed);
        Assert.Equal(TimeSpan.FromHours(24), nextDay.ResetAfter);
    }

    [Theory]
    [InlineData("2026-03-14T12:00:00Z", "2026-03-09T00:00:00Z")] // Saturday
    [InlineData("2026-03-15T23:59:59Z", "2026-03-09T00:00:00Z")] // Sunday, last second of the week
    [InlineData("2026-03-16T00:00:00Z", "2026-03-16T00:00:00Z")] // Monday starts the next
    [InlineData("2027-01-01T12:00:00Z", "2026-12-28T00:00:00Z")] // ISO week across the new year
    public void WeekStartsOnMonday(string now, string start)
    {
        var quota = Create(QuotaPeriod.Week, TimeZoneInfo.Utc);

        Assert.Equal(Utc(start), quota.PeriodStart(Utc(now)));
        Assert.Equal(Utc(start) + (7 * TimeSpan.TicksPerDay), quota.NextPeriodStart(Utc(now)));
    }

    [Fact]
    public void WeekAcrossTheSpringChangeIsAnHourShort()
    {
        var quota = Create(QuotaPeriod.Week, Paris);
        var at = Utc("2026-03-25T12:00:00Z");

        Assert.Equal(Utc("2026-03-22T23:00:00Z"), quota.PeriodStart(at));
        Assert.Equal(TimeSpan.FromHours((7 * 24) - 1), TimeSpan.FromTicks(quota.NextPeriodStart(at) - quota.PeriodStart(at)));
    }

    [Theory]
    [InlineData("2026-01-15T00:00:00Z", 31)]
    [InlineData("2026-02-15T00:00:00Z", 28)]
    [InlineData("2028-02-15T00:00:00Z", 29)]
    [InlineData("2026-04-30T23:59:59Z", 30)]
    public void MonthHasItsCalendarLength(string now, int days)
    {
        var quota = Create(QuotaPeriod.Month, TimeZoneInfo.Utc);
        var at = Utc(now);

        Assert.Equal(1, new DateTime(quota.PeriodStart(at), DateTimeKind.Utc).Day);
        Assert.Equal(TimeSpan.FromDays(days), TimeSpan.FromTicks(quota.NextPeriodStart(at) - quota.PeriodStart(at)));
    }

    [Fact]
    public void MonthInParisStartsAtLocalMidnight()
    {
        var quota = Create(QuotaPeriod.Month, Paris);
        var at = Utc("2026-03-31T21:59:59Z");

        Assert.Equal(Utc("2026-02-28T23:00:00Z"), quota.PeriodStart(at));
        Assert.Equal(Utc("2026-03-31T22:00:00Z"), quota.NextPeriodStart(at));
    }

    [Fact]
    public void MidnightSkippedByDstStartsTheDayWhenTheClockJumps()
    {
        // Chile springs forward at local midnight: 2026-09-06 00:00 -04:00 becomes 01:00 -03:00.
        var santiago = TimeZoneInfo.FindSystemTimeZoneById("America/Santiago");
        var quota = Create(QuotaPeriod.Day, santiago);
        Assert.True(santiago.IsInvalidTime(new DateTime(2026, 9, 6, 0, 30, 0)));

        Assert.Equal(Utc("2026-09-06T04:00:00Z"), quota.PeriodStart(Utc("2026-09-06T12:00:00Z")));
        Assert.Equal(Utc("2026-09-06T04:00:00Z"), quota.NextPeriodStart(Utc("2026-09-05T12:00:00Z")));
    }

    [Fact]
    public void LastPeriodOfTheCalendarNeverEnds()
    {
        foreach (var period in new[] { QuotaPeriod.Day, QuotaPeriod.Week, QuotaPeriod.Month })
        {
            var quota = Create(period, Paris);

            Assert.Equal(long.MaxValue, quota.NextPeriodStart(MaxTicks));
            Assert.True(quota.PeriodStart(0) >= 0);
        }
    }

    private static Quota Create(QuotaPeriod period, TimeZoneInfo zone) =>
        new(new LimitSpec { Algorithm = LimitAlgorithmKind.Quota, Limit = 10, Period = period, TimeZone = zone });

    private static long Utc(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).UtcTicks;
}
