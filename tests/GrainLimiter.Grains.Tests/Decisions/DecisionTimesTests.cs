using GrainLimiter.Decisions;

namespace GrainLimiter.Grains.Tests.Decisions;

/// <summary>Times stated to callers are rounded up, so waiting them is never early, and never overflow.</summary>
public sealed class DecisionTimesTests
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(-5 * TimeSpan.TicksPerSecond, 0)]
    [InlineData(1, 1)]
    [InlineData(TimeSpan.TicksPerSecond, 1)]
    [InlineData(TimeSpan.TicksPerSecond + 1, 2)]
    public void SecondsRoundUp(long ticks, long seconds) => Assert.Equal(seconds, DecisionTimes.Seconds(TimeSpan.FromTicks(ticks)));

    [Theory]
    [InlineData(0, 0)]
    [InlineData(-1, 0)]
    [InlineData(1, 1)]
    [InlineData(TimeSpan.TicksPerMillisecond, 1)]
    [InlineData(TimeSpan.TicksPerMillisecond * 1500 + 1, 1501)]
    public void MillisecondsRoundUp(long ticks, long milliseconds) =>
        Assert.Equal(milliseconds, DecisionTimes.Milliseconds(TimeSpan.FromTicks(ticks)));

    [Fact]
    public void NeverIsTheLargestNumber()
    {
        Assert.Equal(long.MaxValue, DecisionTimes.Seconds(LimitDecision.Never));
        Assert.Equal(long.MaxValue, DecisionTimes.Milliseconds(LimitDecision.Never));
    }

    [Fact]
    public void ATimeJustShortOfNeverDoesNotOverflow()
    {
        var almostNever = LimitDecision.Never - TimeSpan.FromTicks(1);

        Assert.Equal(almostNever.Ticks / TimeSpan.TicksPerSecond + 1, DecisionTimes.Seconds(almostNever));
        Assert.Equal(almostNever.Ticks / TimeSpan.TicksPerMillisecond + 1, DecisionTimes.Milliseconds(almostNever));
    }
}
