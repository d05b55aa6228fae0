using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GrainLimiter.Silo.Tests.Fixtures;
using Xunit.Abstractions;

namespace GrainLimiter.Silo.Tests.Cluster;

/// <summary>Orleans silos in separate processes on loopback, Redis membership and storage on a real redis-server: accuracy, SIGKILL
/// (scale out and in: <see cref="ScaleUnderLoadProcessTests"/>).</summary>
[Collection(SiloProcessCollection.Name)]
public sealed class ClusterProcessTests(RedisServerFixture redis, ITestOutputHelper output)
{
    // Windows of an hour: exactness must not depend on how fast a loaded machine sends (at load 45 the twelve rounds below
    // took over a minute, and a 1 m window let the first admissions slide out).
    private const string Policies = """
        policies:
          - name: exact
            failureMode: closed
            limits:
              - { algorithm: sliding_log, limit: 1000, window: 1h }
          - name: many
            failureMode: closed
            limits:
              - { algorithm: sliding_log, limit: 10, window: 1h }
          - name: moving
            failureMode: open
            limits:
              - { algorithm: sliding_log, limit: 50, window: 1h }
        """;

    private static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>The default failure detection: ProbeTimeout (1 s) x NumMissedProbesLimit (2), one vote. What a loaded machine
    /// adds to it is measured, not assumed: the bounds below use the times the tests saw.</summary>
    private static readonly TimeSpan DetectionTime = TimeSpan.FromSeconds(2);

    // Failure detection on its defaults: the measured figures are the ones users get.
    private static readonly Dictionary<string, string> Settings = new()
    {
        ["GrainLimiter__FlushInterval"] = "00:00:00.100",
    };

    [Fact]
    public async Task ThreeSilosAdmitExactlyTheLimitWhateverFrontIsAsked()
    {
        // A call that outlives ResponseTimeout answers by failure mode although its grain may have charged (a denial
        // under a fail-closed policy: under-admission). On this shared 2-core machine 2 s is sometimes exceeded under
        // full load, so exactness is checked with a timeout no healthy call reaches.
        var settings = new Dictionary<string, string>(Settings)
        {
            ["GrainLimiter__Cluster__ResponseTimeout"] = "00:00:15",
            ["GrainLimiter__CheckTimeout"] = "00:00:20",
        };
        await using var cluster = await SiloProcessCluster.StartAsync(3, Policies, redis.Server, settings);
        var fronts = cluster.Silos;

        // One hot key, limit 1000: 64 callers over the three fronts send 1500 checks.
        var admitted = 0;
        var sent = 0;
        await Task.WhenAll(Enumerable.Range(0, 64).Select(caller => Task.Run(async () =>
        {
            var front = fronts[caller % fronts.Count];
            while (Interlocked.Increment(ref sent) <= 1500)
            {
                using var response = await front.Http.PostAsync(new Uri("/v1/check", UriKind.Relative), SiloProcessCluster.CheckBody(("exact", "hot")));
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"HTTP {(int)response.StatusCode}");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref admitted);
                }
            }
        })));
        Assert.Equal(1000, admitted);

        // 10 000 keys of limit 10, sent as 200 groups of 50 keys per check (all or nothing across owners), 12 rounds each.
        var groups = Enumerable.Range(0, 200).Select(g => Enumerable.Range(0, 50).Select(k => ("many", $"k{g}-{k}")).ToArray()).ToArray();
        var work = new ConcurrentQueue<int>(Enumerable.Range(0, 12).SelectMany(_ => Enumerable.Range(0, groups.Length)));
        var admittedPerGroup = new int[groups.Length];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 64).Select(caller => Task.Run(async () =>
        {
            var front = fronts[caller % fronts.Count];
            while (work.TryDequeue(out var group))
            {
                using var response = await front.Http.PostAsync(new Uri("/v1/check", UriKind.Relative), SiloProcessCluster.CheckBody(groups[group]));
                Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"HTTP {(int)response.StatusCode}");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    Interlocked.Increment(ref admittedPerGroup[group]);
                }
            }
        })));
        output.WriteLine($"10 000 keys x 12 rounds through 3 fronts: {SiloProcessCluster.Format(clock.Elapsed.TotalSeconds)} s");
        Assert.All(admittedPerGroup, count => Assert.Equal(10, count));

        // And each key's owner agrees: nothing left on any key, asked from any front.
        for (var g = 0; g < groups.Length; g += 37)
        {
            var (policy, key) = groups[g][g % 50];
            var usage = await fronts[g % 3].Http.GetStringAsync(new Uri($"/v1/limits/{policy}/{key}", UriKind.Relative));
            Assert.Equal(0, JsonDocument.Parse(usage).RootElement.GetProperty("remaining").GetInt64());
        }
    }

    [Fact]
    public async Task KilledSilosKeysAnswerFromANewOwnerOnceItIsDeclaredDead()
    {
        await using var cluster = await SiloProcessCluster.StartAsync(3, Policies, redis.Server, Settings);
        var victim = cluster.Silos[2];
        var keys = Enumerable.Range(0, 60).Select(static i => $"d{i}").ToArray();

        var load = new ClusterLoad();
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(new FrontRotation([cluster.Silos[0], cluster.Silos[1]]), "moving", keys, callers: 16,
            TimeSpan.FromMilliseconds(2), stop.Token);
        await Eventually.TrueAsync(() => Task.FromResult(load.Requests > 1000), TimeSpan.FromSeconds(30), "load is flowing");

        var killedAt = Stopwatch.StartNew();
        victim.Kill();
        // Hash-based placement put about a third of the keys on the victim. Recovered: every key is answered by a
        // grain again (none by the failure mode), so the victim's keys have new activations on the survivors.
        var unreachableSeen = 0;
        await Eventually.TrueAsync(async () =>
        {
            // One sweep asks every key at once, so the sweep itself adds little to the measured time.
            var answers = await Task.WhenAll(keys.Select(async key =>
            {
                using var response = await cluster.Silos[0].Http.GetAsync(new Uri($"/v1/limits/moving/{key}", UriKind.Relative));
                var body = await response.Content.ReadAsStringAsync();
                return response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests
                    && !body.Contains("owner_unreachable", StringComparison.Ordinal);
            }));
            var unreachable = answers.Count(static answered => !answered);
            unreachableSeen = Math.Max(unreachableSeen, unreachable);
            return unreachable == 0;
        }, TimeSpan.FromSeconds(60), "every key, the victim's too, is answered by a grain");
        var recovered = killedAt.Elapsed;
        await Eventually.TrueAsync(() => Task.FromResult(load.Elapsed > TimeSpan.Zero && killedAt.Elapsed > recovered + TimeSpan.FromSeconds(1)),
            TimeSpan.FromSeconds(5), "a second of load after recovery");
        await stop.CancelAsync();
        await running;

        var capacity = keys.Length * 50L;
        var over = Math.Max(0, load.Admitted - capacity);
        // Counts not yet written when the victim died, and failure-mode admissions until its keys had new owners: rate x (flush
        // interval + the recovery this run measured). How close recovery comes to the detection time is the benchmark's figure.
        var bound = load.RequestsPerSecond * (FlushInterval + recovered).TotalSeconds;
        output.WriteLine($"SIGKILL: every key answered by a grain after {recovered.TotalMilliseconds:F0} ms " +
            $"(detection time {DetectionTime.TotalMilliseconds} ms; " +
            $"at most {unreachableSeen} of {keys.Length} keys unreachable in one sweep); " +
            $"{load.Requests} requests at {SiloProcessCluster.Format(load.RequestsPerSecond)}/s, admitted {load.Admitted} of {capacity}, " +
            $"over-admission {over} " +
            $"(bound {SiloProcessCluster.Format(bound)}), failure-mode answers {load.Provisional}, errors {load.Errors.Count}");
        Assert.True(over <= bound, $"over-admission {over} exceeds rate x (flush + recovery) = {bound}");
        Assert.Empty(load.Errors);
    }
}
