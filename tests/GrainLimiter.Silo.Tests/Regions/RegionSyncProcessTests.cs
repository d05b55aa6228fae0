using GrainLimiter.Silo.Tests.Fixtures;
using Xunit.Abstractions;

namespace GrainLimiter.Silo.Tests.Regions;

/// <summary>Regional clusters in separate processes sharing a global limit: the overshoot stays within the measured bound,
/// counts converge, and a region killed under load leaves the others answering within the partition bound.</summary>
[Collection(SiloProcessCollection.Name)]
public sealed class RegionSyncProcessTests(ITestOutputHelper output)
{
    private const string Policies = """
        policies:
          - name: plan
            scope: global
            limits:
              - { algorithm: fixed_window, limit: 1000, window: 1d }
        """;

    private static readonly TimeSpan Window = TimeSpan.FromDays(1);

    // Longer than any of these tests takes, so none runs across the end of the window.
    private static readonly TimeSpan LongestTest = TimeSpan.FromMinutes(5);

    private const long Limit = 1000;
    private static readonly TimeSpan SyncInterval = TimeSpan.FromMilliseconds(100);

    // A hit waits at most one interval for the next push; then the push takes what the lag gauge measured (seconds at
    // times on this shared machine), so the bound is computed from the measured lag, never less than two intervals.
    private static TimeSpan Lag(SyncLagSampler lag) => SyncInterval + (lag.MaxLag > SyncInterval ? lag.MaxLag : SyncInterval);

    public static TheoryData<int[]> Layouts => [[1, 1], [1, 1, 1], [2, 1]];

    [Theory]
    [MemberData(nameof(Layouts))]
    public async Task AGlobalLimitHitFromEveryRegionAdmitsTheLimitWithinTheBoundAndConverges(int[] silosPerRegion)
    {
        await WindowRoom.AwaitAsync(Window, LongestTest);
        await using var clusters = await RegionClusters.StartAsync(Policies, silosPerRegion, SyncInterval);
        var regions = clusters.Regions.Count;
        var load = new RegionLoad(clusters.Regions, "plan", "customer");
        using var stop = new CancellationTokenSource();
        var lag = new SyncLagSampler(clusters.Regions);
        var sampling = lag.RunAsync(stop.Token);
        var running = load.RunAsync(perRegionRate: 400, callersPerRegion: 4, stop.Token);
        await Eventually.TrueAsync(() => Task.FromResult(Enumerable.Range(0, regions).All(r => load.Denied(r) >= 20)), TimeSpan.FromSeconds(60),
            "every region denies");
        await stop.CancelAsync();
        await running;
        await sampling;

        var rate = load.RegionRate([.. Enumerable.Range(0, regions)]);
        var bound = (regions - 1) * rate * Lag(lag).TotalSeconds;
        output.WriteLine($"{regions} regions ({string.Join("+", silosPerRegion)} silos): admitted {load.TotalAdmitted} " +
            $"({string.Join(", ", Enumerable.Range(0, regions).Select(r => $"{clusters.Regions[r]} {load.Admitted(r)}"))}), " +
            $"rate {rate:F0}/s per region, max measured lag {lag.MaxLag.TotalMilliseconds:F0} ms, bound ±{bound:F0}");
        Assert.All(Enumerable.Range(0, regions), r => Assert.Equal(0, load.Errors(r)));
        Assert.InRange(load.TotalAdmitted, Limit - bound, Limit + bound);
        Assert.Equal(0, await clusters.ConvergedRemainingAsync("plan", "customer", TimeSpan.FromSeconds(10), expected: 0));

        // Below the limit every region ends with the exact same view: 1000 - 100 per region.
        foreach (var region in clusters.Regions)
        {
            for (var i = 0; i < 100; i++)
            {
                using var response = await region.Silos[i % region.Silos.Length]!.Http.CheckAsync("plan", "partial");
                Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            }
        }

        await clusters.ConvergedRemainingAsync("plan", "partial", TimeSpan.FromSeconds(10), expected: Limit - (100 * regions));
    }

    [Fact]
    public async Task ARegionKilledUnderLoadLeavesTheOthersAnsweringWithinThePartitionBoundAndCountsConvergeAfterItsRestart()
    {
        await WindowRoom.AwaitAsync(Window, LongestTest);
        await using var clusters = await RegionClusters.StartAsync(Policies, [1, 1, 1], SyncInterval);
        var load = new RegionLoad(clusters.Regions, "plan", "customer");
        using var stop = new CancellationTokenSource();
        var killed = false;
        var lag = new SyncLagSampler(clusters.Regions);
        var sampling = lag.RunAsync(stop.Token);
        var running = load.RunAsync(perRegionRate: 100, callersPerRegion: 2, stop.Token, active: r => r != 2 || !Volatile.Read(ref killed));
        await Eventually.TrueAsync(() => Task.FromResult(load.TotalAdmitted >= 300), TimeSpan.FromSeconds(60), "300 admitted");

        var lagBeforeTheKill = lag.MaxLag;
        Volatile.Write(ref killed, true);
        clusters.Regions[2].Silos[0]!.Kill();
        var admittedByTheDeadRegion = load.Admitted(2);
        await Eventually.TrueAsync(() => Task.FromResult(load.Denied(0) >= 20 && load.Denied(1) >= 20), TimeSpan.FromSeconds(60), "the live regions deny");
        await stop.CancelAsync();
        await running;
        await sampling;

        // In flight at the kill: every region's last lag of hits; during the partition each live region takes a fair
        // share (remaining / 3) of what it believes remains, so what the dead region never reported is the only excess.
        // The live regions' rate: the dead one's few answers span too short a time to give one.
        var rate = load.RegionRate(0, 1);
        // The lag gauge of a dead peer grows without end: the bound uses the lag measured before the kill.
        var bound = 3 * rate * (SyncInterval + (lagBeforeTheKill > SyncInterval ? lagBeforeTheKill : SyncInterval)).TotalSeconds;
        output.WriteLine($"partition: admitted {load.TotalAdmitted} " +
            $"(eu {load.Admitted(0)}, us {load.Admitted(1)}, ap {admittedByTheDeadRegion} before its kill), " +
            $"rate {rate:F0}/s per region, bound +{bound:F0}");
        Assert.Equal(0, load.Errors(0));
        Assert.Equal(0, load.Errors(1));
        Assert.InRange(load.TotalAdmitted, 0, Limit + bound);

        var restarted = clusters.Start(clusters.Regions[2], 0);
        await restarted.WaitReadyAsync(SiloProcessCluster.StartTimeout);
        var remaining = await clusters.ConvergedRemainingAsync("plan", "customer", TimeSpan.FromSeconds(15));
        output.WriteLine($"after the restart every region reports remaining {remaining}");
        // Every admission of the live regions is counted everywhere. (The dead region may have admitted more than its
        // callers heard of: answers in flight at the kill are lost, their counts were pushed.)
        Assert.InRange(remaining, 0, Math.Max(0, Limit - load.Admitted(0) - load.Admitted(1)));
    }
}
