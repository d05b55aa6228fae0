using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using GrainLimiter.Benchmarks.Load.Processes;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.ClusterBench;

/// <summary>Decisions/s and p50/p99 through one silo's HTTP front with 1, 2, 3 Orleans silos (Redis membership); then the
/// time from a SIGKILL of one silo until every key it owned answers again from a live one.</summary>
internal static class Bench
{
    private const int Callers = 32;
    private const int KeyCount = 3000;
    private const string OwnerUnreachable = "owner_unreachable";
    private const string Policies = """
        policies:
          - name: bench
            failureMode: closed
            limits:
              - { algorithm: fixed_window, limit: 1000000000, window: 1h }
        """;

    public static async Task RunAsync(TimeSpan duration)
    {
        var root = RepositoryRoot();
        var siloDll = Path.Combine(root, "silo", "bin", "Release", "net10.0", "GrainLimiter.Silo.dll");
        var policies = Path.Combine(Path.GetTempPath(), $"grainlimiter-bench-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(policies, Policies);
        await using var redis = await RedisServer.StartAsync(CancellationToken.None);
        Console.WriteLine($"{Environment.ProcessorCount} cores; {Callers} callers on silo 1's HTTP front, {KeyCount} keys, {duration.TotalSeconds} s per row; "
            + $"Orleans silos with Redis membership on redis-server {redis.Endpoint}; silos: {siloDll}");
        Console.WriteLine("| silos | decisions/s | p50 ms | p99 ms | keys owned by the front's silo |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var silos in new[] { 1, 2, 3 })
        {
            await using var cluster = await StartAsync(siloDll, policies, redis, silos);
            var (rate, p50, p99) = await DriveAsync(cluster[0], duration);
            Console.WriteLine($"| {silos} | {rate:F0} | {p50:F2} | {p99:F2} | about 1/{silos} (hash-based placement) |");
        }

        await MeasureKillAsync(siloDll, policies, redis);
        File.Delete(policies);
    }

    private static async Task<Cluster> StartAsync(string siloDll, string policies, RedisServer redis, int count)
    {
        // A cluster id per run: silos of an earlier row never meet these in the membership table.
        var clusterId = $"bench-{Guid.NewGuid():N}";
        var silos = new Cluster();
        for (var i = 0; i < count; i++)
        {
            silos.Add(BenchSilo.Start(siloDll, FreePort.Next(), new Dictionary<string, string>
            {
                ["GrainLimiter__PoliciesFile"] = policies,
                ["GrainLimiter__Redis"] = redis.Endpoint,
                ["GrainLimiter__Cluster__Membership"] = "redis",
                ["GrainLimiter__Cluster__ClusterId"] = clusterId,
                ["GrainLimiter__Cluster__AdvertisedIp"] = "127.0.0.1",
                ["GrainLimiter__Cluster__SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
                ["GrainLimiter__Cluster__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            }));
        }

        await Task.WhenAll(silos.Select(static s => s.WaitReadyAsync()));
        return silos;
    }

    private static async Task<(double Rate, double P50, double P99)> DriveAsync(BenchSilo front, TimeSpan duration)
    {
        // Warm-up: connections, JIT, grain activations on every silo.
        await LoadAsync(front, TimeSpan.FromSeconds(1), []);
        var latencies = new List<double>(1 << 20);
        var clock = Stopwatch.StartNew();
        await LoadAsync(front, duration, latencies);
        var elapsed = clock.Elapsed.TotalSeconds;
        latencies.Sort();
        return (latencies.Count / elapsed, latencies[latencies.Count / 2], latencies[(int)(latencies.Count * 0.99)]);
    }

    private static Task LoadAsync(BenchSilo front, TimeSpan duration, List<double> latencies)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        return Task.WhenAll(Enumerable.Range(0, Callers).Select(caller => Task.Run(async () =>
        {
            var mine = new List<double>();
            for (var i = caller; Stopwatch.GetTimestamp() < end; i += Callers)
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await front.Http.PostAsync(new Uri("/v1/check", UriKind.Relative), Body($"k{i % KeyCount}"));
                response.EnsureSuccessStatusCode();
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }

            lock (latencies)
            {
                latencies.AddRange(mine);
            }
        })));
    }

    /// <summary>SIGKILL of one of 3 silos under a steady sweep of 1 000 keys through silo 1: until Orleans declares it dead,
    /// its keys answer from the failure mode (reason owner_unreachable); then they activate on the survivors.</summary>
    private static async Task MeasureKillAsync(string siloDll, string policies, RedisServer redis)
    {
        await using var cluster = await StartAsync(siloDll, policies, redis, 3);
        const int Keys = 1000;
        // Activates every key wherever hash-based placement puts it.
        for (var i = 0; i < Keys; i++)
        {
            using var response = await cluster[0].Http.PostAsync(new Uri("/v1/check", UriKind.Relative), Body($"kill-{i}"));
            response.EnsureSuccessStatusCode();
        }

        var unreachableSince = new ConcurrentDictionary<int, byte>();
        var recoveredAt = new ConcurrentDictionary<int, TimeSpan>();
        var answers = 0L;
        var killed = Stopwatch.StartNew();
        await cluster[2].KillAsync();
        var lastUnreachable = TimeSpan.Zero;
        var sweeps = 0;
        // Sweep every key until a whole sweep after the last unreachable answer is clean (bounded: 60 s).
        while (killed.Elapsed < TimeSpan.FromSeconds(60)
            && (sweeps == 0 || !unreachableSince.IsEmpty && recoveredAt.Count < unreachableSince.Count
                || killed.Elapsed - lastUnreachable < TimeSpan.FromSeconds(1)))
        {
            sweeps++;
            await Parallel.ForEachAsync(Enumerable.Range(0, Keys), new ParallelOptions { MaxDegreeOfParallelism = Callers }, async (i, ct) =>
            {
                using var response = await cluster[0].Http.PostAsync(new Uri("/v1/check", UriKind.Relative), Body($"kill-{i}"), ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                Interlocked.Increment(ref answers);
                if (body.Contains(OwnerUnreachable, StringComparison.Ordinal))
                {
                    unreachableSince.TryAdd(i, 0);
                    lastUnreachable = killed.Elapsed;
                }
                else if (response.IsSuccessStatusCode && unreachableSince.ContainsKey(i))
                {
                    recoveredAt.TryAdd(i, killed.Elapsed);
                }
            });
        }

        Console.WriteLine();
        Console.WriteLine($"SIGKILL of 1 of 3 silos, 1 000 keys swept through silo 1 ({answers:N0} answers, {sweeps} sweeps, "
            + $"every answer 200 or a failure-mode 429):");
        Console.WriteLine($"  keys that answered {OwnerUnreachable} meanwhile: {unreachableSince.Count} (about 1/3 expected)");
        if (!recoveredAt.IsEmpty)
        {
            Console.WriteLine($"  first of them answered from a live silo after {recoveredAt.Values.Min().TotalMilliseconds:F0} ms, "
                + $"the last after {recoveredAt.Values.Max().TotalMilliseconds:F0} ms");
        }
    }

    private static JsonContent Body(string key) => JsonContent.Create(new { checks = new[] { new { policy = "bench", key, cost = 1 } } });

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "GrainLimiter.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("GrainLimiter.sln not found.");
    }

    private sealed class Cluster : List<BenchSilo>, IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            foreach (var silo in this)
            {
                await silo.DisposeAsync();
            }
        }
    }
}
