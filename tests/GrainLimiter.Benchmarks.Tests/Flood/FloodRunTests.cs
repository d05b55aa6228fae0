using GrainLimiter.Benchmarks.Flood;
using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Tests.Flood;

/// <summary>The key flood in short: 10 000 new keys against a silo bounded at 500 active grains, a steady client on 100
/// keys meanwhile. The bound holds by active grain count (never by time), the steady keys stay exact, nothing fails.</summary>
[Collection(ChildProcessCollection.Name)]
public class FloodRunTests
{
    [Fact]
    public async Task TenThousandNewKeysStayWithinTheActivationBoundAndTheSteadyKeysStayExact()
    {
        var settings = FloodSettings.Parse(
            ["--keys", "10k", "--max-active-grains", "500", "--concurrency", "2", "--steady-limit", "20", "--steady-rate", "200"]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));

        var report = await FloodRun.RunAsync(settings, timeout.Token);

        Assert.False(report.SiloCrashed, "the silo exited during the flood");
        Assert.Equal(10_000, report.Flood.KeysSent);
        Assert.True(report.Flood.Errors == 0, $"{report.Flood.Errors} flood errors, first: {report.Flood.FirstError}");
        Assert.Equal(10_000, report.Flood.Decided);
        Assert.Equal(0, report.Flood.ServerErrorCalls);
        // Transient activations overlap a little while they leave (ActivationBoundTests), never by the flood's size.
        Assert.True(report.PeakActiveGrains <= 2 * settings.MaxActiveGrains,
            $"peak {report.PeakActiveGrains} active grains for a bound of {settings.MaxActiveGrains}");
        Assert.True(report.ActiveGrainsAfter <= settings.MaxActiveGrains, $"{report.ActiveGrainsAfter} active grains after the flood");
        Assert.True(report.Steady.Errors == 0, $"{report.Steady.Errors} steady errors, first: {report.Steady.FirstError}");
        Assert.Equal(0, report.Steady.ServerErrors);
        Assert.Equal(0, report.Steady.KeysOverLimit);
        Assert.True(report.Steady.Exact, $"steady keys not exact: {report.Steady}");
        Assert.True(report.Passed);
        Assert.Contains("| steady exact | yes |", report.ToMarkdown(), StringComparison.Ordinal);
        Assert.Equal(0, ChildProcess.RunningCount);
    }

    [Theory]
    [InlineData("--storage", "disk")]
    [InlineData("--batch", "101")]
    [InlineData("--keys", "0")]
    public void BadOptionsAreRefusedNamingThem(string option, string value)
    {
        var error = Assert.Throws<ArgumentException>(() => FloodSettings.Parse([option, value]));
        Assert.Contains(option, error.Message, StringComparison.Ordinal);
    }
}
