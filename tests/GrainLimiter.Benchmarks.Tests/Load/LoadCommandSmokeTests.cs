using GrainLimiter.Benchmarks.Load;
using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Tests.Load;

/// <summary>The load run end to end on tiny durations: every contender decides without errors, accuracy is exact,
/// the report renders, and no process it started outlives it. Not a measurement.</summary>
public class LoadCommandSmokeTests
{
    [Fact]
    public async Task TinyRunDecidesThroughEveryContenderAndStopsEveryProcess()
    {
        var output = Directory.CreateTempSubdirectory("grainlimiter-load-smoke-").FullName;
        var settings = LoadSettings.Parse(["--quick"]) with
        {
            Duration = TimeSpan.FromSeconds(0.3),
            Warmup = TimeSpan.FromSeconds(0.2),
            Concurrency = 8,
            Connections = 2,
            Keys = 1_000,
            AccuracyLimit = 50,
            AccuracyRequests = 200,
            ScaleKeys = [1_000],
            ScaleClusterMaxKeys = 1_000,
            ScaleDuration = TimeSpan.FromSeconds(0.3),
            OutputDirectory = output,
        };
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var report = await LoadCommand.RunAsync(settings, timeout.Token);

        Assert.Contains(report.Phases, p => p.Contender.Contains("gRPC Check, batch 100", StringComparison.Ordinal));
        Assert.All(report.Phases, p =>
        {
            Assert.True(p.Errors == 0, $"{p.Contender} ({p.Distribution}): {p.Errors} errors, first: {p.FirstError}");
            Assert.True(p.Decisions > 0, $"{p.Contender} ({p.Distribution}) made no decision.");
        });
        Assert.All(report.Accuracy, a => Assert.True(a.Exact, $"{a.Contender} admitted {a.Admitted} of a limit of {a.Limit}."));
        var scale = Assert.Single(report.Scale);
        Assert.True(scale.InProcessBytesPerKey > 0);
        Assert.NotNull(scale.SiloDecisionsPerSecond);
        Assert.Contains("| contender |", report.ToMarkdown(), StringComparison.Ordinal);
        Assert.Equal(0, ChildProcess.RunningCount);
    }
}
