using System.Diagnostics;
using GrainLimiter.Benchmarks.Load;
using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Soak;

/// <summary>
/// One <c>soak</c> run: a persistent redis-server, the silo cluster on it, the traffic for <see cref="SoakSettings.Duration"/>
/// with the resource sampler beside it; at <see cref="SoakSettings.RedisRestartAt"/> Redis is killed and started again, at
/// <see cref="SoakSettings.SiloRestartAt"/> a silo is killed and replaced. Then the audit of the counts.
/// </summary>
internal static class SoakRun
{
    public static async Task<SoakReport> RunAsync(SoakSettings settings, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var loadBefore = LoadReport.LoadAverage();
        var clock = Stopwatch.StartNew();
        await using var redis = await RedisServer.StartAsync(cancellationToken, persistent: true).ConfigureAwait(false);
        await using var cluster = await SoakCluster.StartAsync(settings, redis, cancellationToken).ConfigureAwait(false);
        var startSeconds = clock.Elapsed.TotalSeconds;
        using var traffic = new SoakTraffic(settings, cluster);
        var sampler = new ResourceSampler(cluster, () => traffic.Elapsed, settings.SampleInterval);
        using var stop = new CancellationTokenSource();
        var sampling = sampler.RunAsync(stop.Token);
        var running = traffic.RunAsync(stop.Token);

        await DelayUntilAsync(traffic, settings.Duration * settings.RedisRestartAt, cancellationToken).ConfigureAwait(false);
        var redisDown = traffic.Elapsed;
        await redis.RestartAsync(cancellationToken).ConfigureAwait(false);
        var redisBack = traffic.Elapsed;

        await DelayUntilAsync(traffic, settings.Duration * settings.SiloRestartAt, cancellationToken).ConfigureAwait(false);
        TimeSpan killing = default, killed = default;
        await cluster.ReplaceAsync(1, () => killing = traffic.Elapsed, () => killed = traffic.Elapsed, cancellationToken).ConfigureAwait(false);
        var replaced = traffic.Elapsed;

        await DelayUntilAsync(traffic, settings.Duration, cancellationToken).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        await running.ConfigureAwait(false);
        await sampling.ConfigureAwait(false);
        var trafficSeconds = traffic.Elapsed.TotalSeconds;
        var audit = await SoakAudit.RunAsync(cluster, traffic, cancellationToken).ConfigureAwait(false);

        return new SoakReport
        {
            Settings = settings,
            StartedAt = startedAt,
            LoadAverageBefore = loadBefore,
            LoadAverageAfter = LoadReport.LoadAverage(),
            ClusterStartSeconds = startSeconds,
            TrafficSeconds = trafficSeconds,
            Decided = traffic.Decided,
            Errors = traffic.Errors,
            ServerErrors = traffic.ServerErrors,
            P50Us = traffic.PercentileUs(0.50),
            P99Us = traffic.PercentileUs(0.99),
            RedisDownAt = redisDown,
            RedisBackAt = redisBack,
            SiloKilledAt = killing,
            SiloReplacedAt = replaced,
            // A crash loses what its silo decided since its last completed flush: at most one FlushInterval, and one more
            // when the kill lands while that flush's writes are in flight. Every audited admission answered in that span
            // counts toward the bound, whichever silo's key it was.
            LostBound = traffic.AuditedAdmissionsBetween(killing - (2 * settings.FlushInterval), killed),
            Audit = audit,
            Trends = sampler.Trends(settings.WarmUp),
            Peak = sampler.Peak(),
            SiloCrashes = cluster.All.Count(s => s.Silo.Process.HasExited) - 1,
            TotalSeconds = clock.Elapsed.TotalSeconds,
        };
    }

    private static async Task DelayUntilAsync(SoakTraffic traffic, TimeSpan at, CancellationToken cancellationToken)
    {
        if (at - traffic.Elapsed is { Ticks: > 0 } wait)
        {
            await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
        }
    }
}
