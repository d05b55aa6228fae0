using System.Diagnostics;
using System.Net.Http.Json;

namespace GrainLimiter.ClusterBench;

/// <summary>Decisions/s and p50/p99 through one front with 1, 2, 3 silos, batching on and off; then SIGKILL recovery time.</summary>
internal static class Bench
{
    private const int Callers = 32;
    private const int KeyCount = 3000;
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
        Console.WriteLine($"{Environment.ProcessorCount} cores; {Callers} callers on silo 1's HTTP front, {KeyCount} keys, {duration.TotalSeconds} s per row; silos: {siloDll}");
        Console.WriteLine("| silos | batching | decisions/s | p50 ms | p99 ms | local share |");
        Console.WriteLine("|---|---|---|---|---|---|");
        // Multi-silo rows need Orleans' Redis membership now (static peer lists are gone); until this bench is
        // ported (redis-server, GrainLimiter__Cluster__Membership=redis) it measures the single silo only.
        foreach (var silos in new[] { 1 })
        {
            foreach (var batching in new[] { true, false })
            {
                if (silos == 1 && !batching)
                {
                    continue;
                }

                await using var cluster = await StartAsync(siloDll, policies, silos, batching);
                var (rate, p50, p99) = await DriveAsync(cluster[0], duration);
                Console.WriteLine($"| {silos} | {(silos == 1 ? "n/a" : batching ? "1000 / 500 µs" : "off (1 per call)")} | {rate:F0} | {p50:F2} | {p99:F2} | 1/{silos} |");
            }
        }

        Console.WriteLine("Multi-silo rows and the SIGKILL measurement need Redis membership: see ClusterProcessTests for the SIGKILL figure.");
        File.Delete(policies);
    }

    private static async Task<Cluster> StartAsync(string siloDll, string policies, int count, bool batching)
    {
        var ports = Enumerable.Range(0, count).Select(_ => (Http: BenchSilo.FreePort(), Peer: BenchSilo.FreePort())).ToArray();
        var peers = string.Join(",", ports.Select(static p => $"127.0.0.1:{p.Peer}"));
        var silos = new Cluster();
        foreach (var (http, peer) in ports)
        {
            var settings = new Dictionary<string, string>
            {
                ["GrainLimiter__PoliciesFile"] = policies,
                ["GrainLimiter__Cluster__Membership"] = count == 1 ? "none" : "static",
                ["GrainLimiter__Cluster__Peers"] = peers,
                ["GrainLimiter__Cluster__AdvertisedAddress"] = $"127.0.0.1:{peer}",
                ["GrainLimiter__Cluster__Secret"] = "bench-cluster-secret-0123456789",
                ["GrainLimiter__Cluster__FailureDetection__ProbeInterval"] = "00:00:00.250",
                ["GrainLimiter__Cluster__FailureDetection__DeadAfter"] = "00:00:02",
            };
            if (!batching)
            {
                settings["GrainLimiter__Cluster__BatchSize"] = "1";
                settings["GrainLimiter__Cluster__BatchDelay"] = "00:00:00";
                settings["GrainLimiter__Cluster__MaxBatchesInFlight"] = "100";
            }

            silos.Add(BenchSilo.Start(siloDll, http, peer, settings));
        }

        await Task.WhenAll(silos.Select(static s => s.WaitReadyAsync()));
        return silos;
    }

    private static async Task<(double Rate, double P50, double P99)> DriveAsync(BenchSilo front, TimeSpan duration)
    {
        // Warm-up: connections, JIT, grain activations.
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
