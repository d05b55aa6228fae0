using GrainLimiter.Benchmarks.Load;
using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Tests.Load;

/// <summary>The load run end to end on tiny durations: every contender decides without errors, accuracy is exact, every
/// row runs paced too, rows are ranked against the Redis row of their own batching, the report renders, and no process it
/// started outlives it. Not a measurement.</summary>
[Collection(ChildProcessCollection.Name)]
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
            SiloWarmUpTime = TimeSpan.FromSeconds(1),
            PacedDuration = TimeSpan.FromSeconds(0.3),
            PacedWarmup = TimeSpan.FromSeconds(0.1),
            Concurrency = 8,
            Connections = 2,
            Keys = 1_000,
            // A multiple of the batch: an all-or-nothing batch of 100 copies of the hot key can admit the limit exactly.
            AccuracyLimit = 100,
            AccuracyRequests = 300,
            ScaleKeys = [1_000],
            ScaleClusterMaxKeys = 1_000,
            ScaleDuration = TimeSpan.FromSeconds(0.3),
            OutputDirectory = output,
        };
        // About 90 s alone on 2 cores (each GrainLimiter silo row runs twice, every unbatched one a third time, attacked); room for a busy machine.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(180));

        var report = await LoadCommand.RunAsync(settings, timeout.Token);

        Assert.Contains(report.Phases, p => p.Contender.Contains("gRPC Check, batch 100", StringComparison.Ordinal));
        Assert.All(report.Phases, p =>
        {
            Assert.True(p.Errors == 0, $"{p.Contender} ({p.Distribution}): {p.Errors} errors, first: {p.FirstError}");
            Assert.True(p.Decisions > 0, $"{p.Contender} ({p.Distribution}) made no decision.");
        });
        // Every GrainLimiter silo row again with leases off, and an attack row per unbatched contender whose denials are decisions.
        Assert.Contains(report.Phases, p => p.Contender == "GrainLimiter gRPC Check, batch 100" + PhaseResult.LeasesOffSuffix);
        Assert.Contains(report.LeasesOnVsOff, p => p.Contender == "GrainLimiter HTTP /v1/check" && p.ThroughputOnVsOff > 0);
        Assert.DoesNotContain(report.Phases, p => p.Contender.StartsWith("GrainLimiter Envoy", StringComparison.Ordinal)
            && p.Contender.EndsWith(PhaseResult.LeasesOffSuffix, StringComparison.Ordinal));
        var attacks = report.Phases.Where(p => p.Distribution.StartsWith("attack", StringComparison.Ordinal)).ToList();
        Assert.Contains(attacks, p => p.Contender == "GrainLimiter gRPC Check, batch 1");
        Assert.Contains(attacks, p => p.Contender == "GrainLimiter Envoy ShouldRateLimit");
        Assert.All(attacks, p =>
        {
            Assert.Equal(1, p.DecisionsPerCall);
            Assert.True(p.Denied > 0, $"{p.Contender}: no call of the attack was denied.");
        });
        Assert.All(report.Phases.Except(attacks), p => Assert.True(p.Denied == 0, $"{p.Contender} ({p.Distribution}) denied {p.Denied} under the open limit."));
        Assert.Contains("Leases on vs off", report.ToMarkdown(), StringComparison.Ordinal);
        Assert.All(report.Accuracy, a => Assert.True(a.Exact, $"{a.Contender} admitted {a.Admitted} of a limit of {a.Limit}, {a.Errors} errors."));
        Assert.Equal(report.Phases.Select(p => (p.Contender, p.Distribution)), report.Paced.Select(p => (p.Contender, p.Distribution)));
        Assert.All(report.Paced, p => Assert.NotNull(p.PacedCallsPerSecond));
        Assert.All(report.Phases, p => Assert.Equal(p.ServerCpuUsPerDecision is null ? CoreLayout.OneProcess : CoreLayout.Shared, p.Cores));
        if (report.Phases.Any(p => p.IsBaseline))
        {
            // Each row against the Redis + Lua row of its own batching.
            Assert.All(report.Phases.Where(p => p.Contender.StartsWith("GrainLimiter gRPC Check", StringComparison.Ordinal)), p =>
                Assert.Equal(p.DecisionsPerCall == 1 ? "Redis + Lua, fixed window" : "Redis + Lua, fixed window, pipelined batch 100", p.RankedAgainst));
            Assert.Contains(report.Phases, p => p.RedisWritesPerDecision is not null);
        }

        var scale = Assert.Single(report.Scale);
        Assert.True(scale.InProcessBytesPerKey > 0);
        Assert.NotNull(scale.SiloDecisionsPerSecond);
        Assert.Contains("| contender |", report.ToMarkdown(), StringComparison.Ordinal);
        Assert.Equal(0, ChildProcess.RunningCount);
    }
}
