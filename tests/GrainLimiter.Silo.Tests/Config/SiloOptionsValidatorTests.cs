using GrainLimiter.Silo.Config;

namespace GrainLimiter.Silo.Tests.Config;

public sealed class SiloOptionsValidatorTests
{
    [Fact]
    public void TheDefaultsAreValid() => Assert.True(new SiloOptionsValidator().Validate(null, new SiloOptions()).Succeeded);

    [Theory]
    [InlineData(0)]
    [InlineData(10_001)]
    public void OutcomesPerReportOutOfRangeStopStartNamingTheVariable(int max)
    {
        var result = new SiloOptionsValidator().Validate(null, new SiloOptions { MaxOutcomesPerReport = max });

        Assert.Equal(["GrainLimiter__MaxOutcomesPerReport: must be between 1 and 10000."], result.Failures);
    }

    [Fact]
    public void TheOverloadDefaultsNeverShedAHealthySilo()
    {
        var defaults = new SiloOptions();

        Assert.Equal(100_000, defaults.MaxChecksInFlight);
        Assert.Equal(0, defaults.MaxQueuedChecks);
        Assert.Equal(TimeSpan.FromSeconds(5), defaults.CheckTimeout);
        Assert.Equal("refuse", defaults.OverloadAnswer);
        Assert.Equal(0, defaults.MaxQueuedCallsPerKey);
    }

    public static TheoryData<Action<SiloOptions>, string> BadOverloadSettings => new()
    {
        { o => o.MaxChecksInFlight = 0, "GrainLimiter__MaxChecksInFlight: must be between 1 and 1000000." },
        { o => o.MaxQueuedChecks = -1, "GrainLimiter__MaxQueuedChecks: must be between 0 and 1000000." },
        { o => o.CheckTimeout = TimeSpan.FromMilliseconds(5), "GrainLimiter__CheckTimeout: must be between 10 ms and 5 minutes." },
        { o => o.CheckTimeout = TimeSpan.FromHours(1), "GrainLimiter__CheckTimeout: must be between 10 ms and 5 minutes." },
        { o => o.DeadlineMargin = TimeSpan.FromMilliseconds(-1), "GrainLimiter__DeadlineMargin: must be between 0 and 1 minute." },
        { o => o.OverloadAnswer = "refused", "GrainLimiter__OverloadAnswer: must be 'refuse' or 'failure-mode', not 'refused'; did you mean 'refuse'?" },
        { o => o.OverloadRetryAfter = TimeSpan.Zero, "GrainLimiter__OverloadRetryAfter: must be between 1 ms and 1 hour." },
        { o => o.MaxQueuedCallsPerKey = -1, "GrainLimiter__MaxQueuedCallsPerKey: must be between 0 (no bound) and 1000000." },
    };

    [Theory]
    [MemberData(nameof(BadOverloadSettings))]
    public void BadOverloadSettingsStopStartNamingTheVariable(Action<SiloOptions> change, string failure)
    {
        var options = new SiloOptions();
        change(options);

        Assert.Equal([failure], new SiloOptionsValidator().Validate(null, options).Failures);
    }
}
