using System.Diagnostics.Metrics;
using GrainLimiter.Grains;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Checks.Overload;
using GrainLimiter.Silo.Policies;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Tests.Checks.Overload;

/// <summary>How long <see cref="CheckAdmission"/> lets a check wait for its grains, on a clock that stands still.</summary>
public sealed class CheckBudgetTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ACheckWithoutDeadlineGetsCheckTimeout() => Assert.Equal(TimeSpan.FromSeconds(5), Budget(DateTime.MaxValue));

    [Fact]
    public void ADeadlineIsAnsweredTheMarginEarly() => Assert.Equal(TimeSpan.FromMilliseconds(980), Budget(Now.UtcDateTime.AddSeconds(1)));

    [Fact]
    public void ADeadlineShorterThanTwiceTheMarginGetsHalfTheTimeLeft() =>
        Assert.Equal(TimeSpan.FromMilliseconds(15), Budget(Now.UtcDateTime.AddMilliseconds(30)));

    [Fact]
    public void ADistantDeadlineGetsCheckTimeoutAtMost() => Assert.Equal(TimeSpan.FromSeconds(5), Budget(Now.UtcDateTime.AddHours(1)));

    [Fact]
    public void APassedDeadlineIsShedAtOnce() => Assert.Equal(TimeSpan.FromTicks(1), Budget(Now.UtcDateTime.AddSeconds(-1)));

    private static TimeSpan Budget(DateTime deadline)
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();
        var options = Options.Create(new SiloOptions());
        using var admission = new CheckAdmission(null!, new PolicyRegistry([]), new SiloMetrics(meters, new LimitGrainCounters()), options,
            new StandingClock());
        return admission.Budget(deadline);
    }

    private sealed class StandingClock : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => Now;
    }
}
