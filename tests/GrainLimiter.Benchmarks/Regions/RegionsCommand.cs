using System.Diagnostics;
using System.Globalization;
using GrainLimiter.Benchmarks.Load.Processes;
using GrainLimiter.Protocol.V1;
using Grpc.Net.Client;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Benchmarks.Regions;

/// <summary>
/// <c>regions [--rates 200,1000,3000] [--sync-interval 100] [--seconds 5]</c>: three regional silos on loopback sharing
/// global limits. Measures the overshoot of a global limit hit from all three regions at each per-region rate against the
/// bound (regions - 1) x rate x sync interval, then the decision throughput and CPU per decision of a global policy
/// against a regional one (the difference is what region sync costs).
/// </summary>
internal static class RegionsCommand
{
    private static readonly string[] Names = ["eu", "us", "ap"];
    private const string Secret = "bench-region-secret-0123456789";

    public static async Task<int> RunAsync(string[] args)
    {
        var rates = Option(args, "--rates", "200,1000,3000").Split(',').Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToArray();
        var syncInterval = TimeSpan.FromMilliseconds(double.Parse(Option(args, "--sync-interval", "100"), CultureInfo.InvariantCulture));
        var seconds = double.Parse(Option(args, "--seconds", "5"), CultureInfo.InvariantCulture);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMinutes(10));
        Console.CancelKeyPress += (_, _) => ChildProcess.KillAll();

        var directory = Directory.CreateTempSubdirectory("grainlimiter-regions-").FullName;
        var policies = Path.Combine(directory, "policies.yaml");
        var overshootLimits = rates.Select(OvershootLimit).ToArray();
        await File.WriteAllTextAsync(policies, string.Join('\n', [
            "policies:",
            .. rates.Select((_, i) =>
                $"  - {{ name: global-{i}, scope: global, limits: [ {{ algorithm: fixed_window, limit: {overshootLimits[i]}, window: 1h }} ] }}"),
            "  - { name: open-global, scope: global, limits: [ { algorithm: fixed_window, limit: 1000000000, window: 1h } ] }",
            "  - { name: open-regional, limits: [ { algorithm: fixed_window, limit: 1000000000, window: 1h } ] }",
        ]) + "\n", cancel.Token);

        var ports = Names.Select(_ => (Http: FreePort.Next(), Grpc: FreePort.Next())).ToArray();
        var silos = new List<ChildProcess>();
        try
        {
            for (var r = 0; r < Names.Length; r++)
            {
                silos.Add(StartSilo(r, ports, policies, syncInterval));
            }

            await Task.WhenAll(ports.Select((p, r) => WaitReadyAsync(silos[r], p.Http, cancel.Token)));
            var channels = ports.Select(p => GrpcChannel.ForAddress($"http://127.0.0.1:{p.Grpc}")).ToArray();
            var clients = channels.Select(c => new Limiter.LimiterClient(c)).ToArray();

            Console.WriteLine($"regions: 3 regions on loopback, one silo each (memory storage), sync interval {syncInterval.TotalMilliseconds:0} ms; " +
                $"{Environment.ProcessorCount} cores, load average {LoadAverage()} (shared machine)");
            Console.WriteLine();
            Console.WriteLine("| offered rate per region | achieved rate per region | sync interval | limit " +
                "| bound (regions − 1) × achieved rate × interval | admitted | measured overshoot |");
            Console.WriteLine("|---:|---:|---:|---:|---:|---:|---:|");
            for (var i = 0; i < rates.Length; i++)
            {
                var (admitted, achieved) = await OvershootAsync(clients, $"global-{i}", rates[i], cancel.Token);
                var bound = (Names.Length - 1) * achieved * syncInterval.TotalSeconds;
                Console.WriteLine($"| {rates[i]:0}/s | {achieved:0}/s | {syncInterval.TotalMilliseconds:0} ms | {overshootLimits[i]} | {bound:0} " +
                    $"| {admitted} | {admitted - overshootLimits[i]:+0;-0;0} |");
            }

            Console.WriteLine();
            Console.WriteLine("| policy | decisions/s (one region's front, batch 10, 32 calls in flight) | CPU µs per decision (all 3 silos) |");
            Console.WriteLine("|---|---:|---:|");
            // Warm-up (JIT, connections, grain activations), not measured.
            await ThroughputAsync(clients[0], silos, "open-regional", 1, cancel.Token);
            await ThroughputAsync(clients[0], silos, "open-global", 1, cancel.Token);
            var regional = await ThroughputAsync(clients[0], silos, "open-regional", seconds, cancel.Token);
            var global = await ThroughputAsync(clients[0], silos, "open-global", seconds, cancel.Token);
            Console.WriteLine($"| regional | {regional.Rate:0} | {regional.CpuPerDecision:0.0} |");
            Console.WriteLine($"| global | {global.Rate:0} | {global.CpuPerDecision:0.0} |");
            Console.WriteLine();
            Console.WriteLine($"global / regional throughput: {global.Rate / regional.Rate:P0}; " +
                $"sync CPU per decision: {global.CpuPerDecision - regional.CpuPerDecision:0.0} µs");
            foreach (var channel in channels)
            {
                channel.Dispose();
            }

            return 0;
        }
        finally
        {
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }

            Directory.Delete(directory, recursive: true);
        }
    }

    // About two seconds of admissions from the three regions together.
    private static long OvershootLimit(double rate) => (long)(Names.Length * rate * 2);

    private static ChildProcess StartSilo(int region, (int Http, int Grpc)[] ports, string policies, TimeSpan syncInterval)
    {
        var environment = new Dictionary<string, string>
        {
            ["GrainLimiter__PoliciesFile"] = policies,
            ["GrainLimiter__Region"] = Names[region],
            ["GrainLimiter__Regions__Secret"] = Secret,
            ["GrainLimiter__Regions__SyncInterval"] = syncInterval.ToString("c", CultureInfo.InvariantCulture),
            ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{ports[region].Http}",
            ["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{ports[region].Grpc}",
            ["GrainLimiter__Cluster__SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["GrainLimiter__Cluster__GatewayPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["Logging__LogLevel__Default"] = "Warning",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        var peer = 0;
        for (var p = 0; p < Names.Length; p++)
        {
            if (p != region)
            {
                environment[$"GrainLimiter__Regions__Peers__{peer}__Name"] = Names[p];
                environment[$"GrainLimiter__Regions__Peers__{peer}__Url"] = $"http://127.0.0.1:{ports[p].Grpc}";
                peer++;
            }
        }

        var assembly = SiloProcess.AssemblyPath();
        return ChildProcess.Start($"silo-{Names[region]}", "dotnet", [assembly], environment, Path.GetDirectoryName(assembly));
    }

    /// <summary>Every region checks one key at <paramref name="rate"/>/s until each has been denied 20 times; answers the total admitted.</summary>
    private static async Task<(long Admitted, double PerRegionRate)> OvershootAsync(Limiter.LimiterClient[] clients, string policy, double rate,
        CancellationToken cancellationToken)
    {
        const int CallersPerRegion = 8;
        long admitted = 0;
        long lastAdmitted = 0;
        var denied = new long[clients.Length];
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stop.CancelAfter(TimeSpan.FromSeconds(60));
        var clock = Stopwatch.StartNew();
        var interval = TimeSpan.FromSeconds(CallersPerRegion / rate);
        await Task.WhenAll(Enumerable.Range(0, clients.Length).SelectMany(r => Enumerable.Range(0, CallersPerRegion).Select(c => Task.Run(async () =>
        {
            var next = interval * c / CallersPerRegion;
            while (!stop.IsCancellationRequested && Enumerable.Range(0, denied.Length).Any(i => Interlocked.Read(ref denied[i]) < 20))
            {
                var wait = next - clock.Elapsed;
                next += interval;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, CancellationToken.None).ConfigureAwait(false); // pacing at the offered rate
                }

                var reply = await clients[r].CheckAsync(new CheckRequest { Checks = { new Hit { Policy = policy, Key = "customer", Cost = 1 } } },
                    cancellationToken: CancellationToken.None).ResponseAsync.ConfigureAwait(false);
                if (reply.Allowed)
                {
                    Interlocked.Increment(ref admitted);
                    Interlocked.Exchange(ref lastAdmitted, clock.Elapsed.Ticks);
                }
                else
                {
                    Interlocked.Increment(ref denied[r]);
                }
            }
        }, CancellationToken.None)))).ConfigureAwait(false);
        return (admitted, admitted / Math.Max(0.001, TimeSpan.FromTicks(lastAdmitted).TotalSeconds) / clients.Length);
    }

    /// <summary>Closed-loop batch-10 checks over 10 000 keys for <paramref name="seconds"/>; decisions per second and CPU of every silo per decision.</summary>
    private static async Task<(double Rate, double CpuPerDecision)> ThroughputAsync(Limiter.LimiterClient client, List<ChildProcess> silos, string policy,
        double seconds, CancellationToken cancellationToken)
    {
        long decisions = 0;
        var cpuBefore = silos.Sum(static s => s.CpuTime().TotalMicroseconds);
        var clock = Stopwatch.StartNew();
        var until = TimeSpan.FromSeconds(seconds);
        await Task.WhenAll(Enumerable.Range(0, 32).Select(caller => Task.Run(async () =>
        {
            var random = new Random(caller);
            while (clock.Elapsed < until)
            {
                var request = new CheckRequest();
                for (var i = 0; i < 10; i++)
                {
                    request.Checks.Add(new Hit { Policy = policy, Key = $"k{random.Next(10_000)}", Cost = 1 });
                }

                var reply = await client.CheckAsync(request, cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
                Interlocked.Add(ref decisions, reply.Decisions.Count);
            }
        }, cancellationToken))).ConfigureAwait(false);
        var elapsed = clock.Elapsed.TotalSeconds;
        // Let the last pushes land so the peers' merge CPU is counted with the decisions that caused it.
        await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
        var cpu = silos.Sum(static s => s.CpuTime().TotalMicroseconds) - cpuBefore;
        return (decisions / elapsed, cpu / Math.Max(1, decisions));
    }

    private static async Task WaitReadyAsync(ChildProcess silo, int httpPort, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(90))
        {
            if (silo.HasExited)
            {
                throw new InvalidOperationException($"{silo.Name} exited before it was ready:\n{silo.Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false); // readiness polling interval
        }

        throw new TimeoutException($"{silo.Name} was not ready within 90 s:\n{silo.Output}");
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static string Option(string[] args, string name, string fallback)
    {
        var index = Array.IndexOf(args, name);
        return index >= 0 && index + 1 < args.Length ? args[index + 1] : fallback;
    }
}
