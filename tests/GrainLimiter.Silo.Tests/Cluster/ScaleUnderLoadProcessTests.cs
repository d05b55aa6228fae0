using System.Globalization;
using System.Text.Json;
using GrainLimiter.Silo.Tests.Fixtures;
using Xunit.Abstractions;

namespace GrainLimiter.Silo.Tests.Cluster;

/// <summary>
/// What a Kubernetes scale-out and a gradual scale-in do to callers, with silo processes on loopback (Redis membership and
/// storage on a real redis-server): silos join one at a time (3 to 6) and leave gracefully one at a time (6 to 3), each
/// added to the callers' fronts once ready and taken out of them before its SIGTERM, as a Service's endpoints are.
/// </summary>
[Collection(SiloProcessCollection.Name)]
public sealed class ScaleUnderLoadProcessTests(RedisServerFixture redis, ITestOutputHelper output)
{
    private const string Policy = "counted";
    private const long Limit = 1_000_000_000;

    // Never denies and never rolls over during a run (3660-day windows from the Unix epoch): every admitted check stays counted.
    private static readonly string Policies = $$"""
        policies:
          - name: {{Policy}}
            failureMode: closed
            limits:
              - { algorithm: fixed_window, limit: {{Limit}}, window: 3660d }
        """;

    /// <summary>Decisions each phase runs for before the next change: a few seconds of load on this machine.</summary>
    private const long RequestsPerPhase = 2000;

    private static readonly TimeSpan ChangeTimeout = TimeSpan.FromSeconds(60);

    // Failure detection and membership on their defaults. A call answered after ResponseTimeout (2 s) gets a failure-mode
    // answer; this shared 2-core machine, running six silos, sometimes takes that long under full load, which is CPU
    // starvation and not what a membership change does, so calls here may take up to 15 s (and checks, shed after CheckTimeout, 20 s).
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["GrainLimiter__Cluster__ResponseTimeout"] = "00:00:15",
        ["GrainLimiter__CheckTimeout"] = "00:00:20",
    };

    [Fact]
    public async Task SilosJoinAndLeaveGracefullyUnderLoadWithoutAFailedAnswerOrALostCount()
    {
        await using var cluster = await SiloProcessCluster.StartAsync(3, Policies, redis.Server, Settings);
        var originals = cluster.Silos.ToArray();
        var keys = Enumerable.Range(0, 300).Select(static i => $"s{i}").ToArray();
        var fronts = new FrontRotation(originals);
        var load = new ClusterLoad();
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(fronts, Policy, keys, callers: 16, TimeSpan.FromMilliseconds(2), stop.Token);
        try
        {
            await PhaseAsync(load, "load flows on 3 silos");
            for (var n = 4; n <= 6; n++)
            {
                var start = load.Elapsed;
                var joining = cluster.StartOne();
                await joining.WaitReadyAsync(SiloProcessCluster.StartTimeout);
                fronts.Add(joining);
                await cluster.WaitConvergedAsync(ChangeTimeout);
                load.Timeline.Mark($"silo {n} joins ({n} silos)", start, load.Elapsed);
                await PhaseAsync(load, $"load flows on {n} silos");
            }

            // The three original silos leave, so every key activated before the joins moves through storage at least once.
            for (var i = 0; i < originals.Length; i++)
            {
                var leaving = originals[i];
                var start = load.Elapsed;
                fronts.Remove(leaving);
                await Eventually.TrueAsync(() => Task.FromResult(fronts.InFlight(leaving) == 0), ChangeTimeout,
                    $"silo {i + 1}'s front has answered its last request");
                leaving.Terminate();
                Assert.True(await leaving.WaitForExitAsync(ChangeTimeout), $"silo {i + 1} exits after SIGTERM");
                Assert.Equal(0, leaving.ExitCode);
                await cluster.WaitConvergedAsync(ChangeTimeout);
                load.Timeline.Mark($"silo {i + 1} leaves ({5 - i} silos)", start, load.Elapsed);
                await PhaseAsync(load, $"load flows on {5 - i} silos");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }

        output.WriteLine(load.Timeline.Report(load.Elapsed));
        var counted = await CountedAsync(fronts.Fronts[0], keys);
        var miscounted = keys.Where(k => counted[k] != load.AdmittedOf(k)).ToList();
        output.WriteLine($"scale 3 -> 6 -> 3 under load: {load.Requests} answers at {SiloProcessCluster.Format(load.RequestsPerSecond)}/s over " +
            $"{SiloProcessCluster.Format(load.Elapsed.TotalSeconds)} s; admitted {load.Admitted}, " +
            $"counted by the keys' grains afterwards {counted.Values.Sum()} " +
            $"({keys.Length - miscounted.Count} of {keys.Length} keys exact); owner_unreachable answers {load.Provisional}; " +
            $"denied {load.Denied}; errors {load.Errors.Count}");

        Assert.True(load.Errors.Count == 0, $"failed answers (5xx, transport):\n{string.Join('\n', load.Errors.Take(10))}\n{FailureModeLog(cluster)}");
        Assert.True(load.Provisional == 0, $"{load.Provisional} answers were owner_unreachable\n{FailureModeLog(cluster)}");
        Assert.Equal(0, load.Denied);
        Assert.True(miscounted.Count == 0, "keys whose usage differs from what was admitted: " +
            string.Join(", ", miscounted.Take(10).Select(k => $"{k} admitted {load.AdmittedOf(k)}, counted {counted[k]}")));
    }

    private static Task PhaseAsync(ClusterLoad load, string what)
    {
        var from = load.Requests;
        return Eventually.TrueAsync(() => Task.FromResult(load.Requests >= from + RequestsPerPhase), ChangeTimeout, what);
    }

    /// <summary>Each key's usage as its grain reports it now.</summary>
    private static async Task<Dictionary<string, long>> CountedAsync(SiloProcess front, IEnumerable<string> keys)
    {
        var counted = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            using var usage = JsonDocument.Parse(await front.Http.GetStringAsync(new Uri($"/v1/limits/{Policy}/{key}", UriKind.Relative)));
            Assert.False(usage.RootElement.TryGetProperty("reason", out _), $"{key} was not answered by its grain: {usage.RootElement}");
            counted[key] = Limit - usage.RootElement.GetProperty("remaining").GetInt64();
        }

        return counted;
    }

    /// <summary>What the silos logged about calls their failure mode answered, for a failure message.</summary>
    private static string FailureModeLog(SiloProcessCluster cluster) =>
        string.Join('\n', cluster.Silos.Select((s, i) => string.Create(CultureInfo.InvariantCulture, $"silo {i + 1}: ") +
            string.Join('\n', s.Output.Split('\n').SkipWhile(static l => !l.Contains("could not be reached", StringComparison.Ordinal)).Take(12))));
}
