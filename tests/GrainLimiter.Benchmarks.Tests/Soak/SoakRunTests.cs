using GrainLimiter.Benchmarks.Load.Processes;
using GrainLimiter.Benchmarks.Soak;

namespace GrainLimiter.Benchmarks.Tests.Soak;

/// <summary>The soak in short: 3 silo processes on a persistent redis-server for 30 s of mixed policies, Redis and then
/// one silo killed and restarted meanwhile. No 5xx, no count lost beyond the write-behind bound, and no growth past fixed
/// ceilings (counted, never timed).</summary>
[Collection(ChildProcessCollection.Name)]
public class SoakRunTests
{
    // Far above what a silo holds in a short run (about 60 threads, 300 handles, 30 connections), far below what a leak per call would reach.
    private const int MaxThreads = 400;
    private const int MaxHandles = 2_000;
    private const int MaxTcpConnections = 500;

    [Fact]
    public async Task ShortSoakThroughRestartsLosesNoCountBeyondTheBoundAndAnswersNo5xx()
    {
        var settings = SoakSettings.Parse(["--duration", "30", "--rate", "150", "--keys", "300", "--sample", "1"]);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));

        var report = await SoakRun.RunAsync(settings, timeout.Token);

        Assert.Equal(0, report.ServerErrors);
        Assert.Equal(0, report.SiloCrashes);
        Assert.True(report.Decided > 0);
        Assert.All(report.Audit, a =>
        {
            Assert.Equal(0, a.Unread);
            Assert.True(a.Admitted > 0, $"{a.Policy} admitted nothing");
        });
        Assert.True(report.Lost <= report.LostBound, $"{report.Lost} counts lost, bound {report.LostBound}:\n{report.ToMarkdown()}");
        Assert.True(report.Peak.Threads is > 0 and < MaxThreads, $"peak {report.Peak.Threads} threads");
        Assert.True(report.Peak.OpenHandles is > 0 and < MaxHandles, $"peak {report.Peak.OpenHandles} open handles");
        Assert.True(report.Peak.TcpConnections is > 0 and < MaxTcpConnections, $"peak {report.Peak.TcpConnections} TCP connections");
        // Every silo sampled, the replacement of the killed one under a name of its own.
        Assert.Contains(report.Trends, t => t.Process == "silo 2, restarted");
        Assert.Equal(4 * 4, report.Trends.Count);
        Assert.Contains("| counts lost / bound |", report.ToMarkdown(), StringComparison.Ordinal);
        Assert.Equal(0, ChildProcess.RunningCount);
    }

    [Fact]
    public void DurationTakesMinutesOrSecondsAndRefusesNonsense()
    {
        Assert.Equal(TimeSpan.FromMinutes(3), SoakSettings.Parse(["--duration", "3m"]).Duration);
        Assert.Equal(TimeSpan.FromSeconds(45), SoakSettings.Parse(["--duration", "45"]).Duration);
        Assert.Contains("--duration", Assert.Throws<ArgumentException>(() => SoakSettings.Parse(["--duration", "0"])).Message, StringComparison.Ordinal);
        Assert.Contains("--nope", Assert.Throws<ArgumentException>(() => SoakSettings.Parse(["--nope"])).Message, StringComparison.Ordinal);
    }
}
