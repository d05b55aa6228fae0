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
}
