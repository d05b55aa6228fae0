using GrainLimiter.Benchmarks.Load.Contenders;
using GrainLimiter.Benchmarks.Load.Processes;
using GrainLimiter.Benchmarks.Memory;
using Grpc.Core;
using StackExchange.Redis;

namespace GrainLimiter.Benchmarks.Load;

/// <summary>Decisions per second and memory per key at one number of active keys.</summary>
internal sealed record ScalePoint
{
    public required int Keys { get; init; }

    /// <summary>In-process silo: Orleans local grain calls, uniform single checks over the keys.</summary>
    public double InProcessDecisionsPerSecond { get; init; }

    /// <summary>Managed heap growth per Orleans activation after full GCs: activation, grain, state, key, directory entry, stored copy.</summary>
    public double InProcessBytesPerKey { get; init; }

    /// <summary>Through one silo's gRPC front, batches of 100, uniform over the keys; null when the silo was not loaded this far.</summary>
    public double? SiloDecisionsPerSecond { get; init; }

    /// <summary>Growth of the silo process' resident set per key since start (includes GC headroom: an upper bound).</summary>
    public double? SiloRssBytesPerKey { get; init; }

    /// <summary>Growth of Redis' INFO used_memory per fixed-window key (a counter with a TTL, as the Lua script leaves it).</summary>
    public double? RedisBytesPerKey { get; init; }
}

/// <summary>
/// The scale curve: for each key count, decisions/s and memory per key in-process (exact managed bytes), through a
/// fresh silo (resident set, keys loaded cumulatively) and in Redis (used_memory after loading the same number of keys).
/// </summary>
internal static class ScaleCurve
{
    public static async Task<List<ScalePoint>> RunAsync(LoadSettings settings, RedisServer? redis, Action<string, double> progress,
        CancellationToken cancellationToken)
    {
        var points = new List<ScalePoint>();
        var sizes = settings.ScaleKeys.Order().ToArray();
        var clusterSizes = sizes.Where(n => n <= settings.ScaleClusterMaxKeys).ToArray();

        var inProcess = new Dictionary<int, (double Rate, double Bytes)>();
        foreach (var n in sizes)
        {
            progress($"scale: in-process, {n:N0} keys", 0);
            inProcess[n] = await InProcessAsync(settings, n, cancellationToken).ConfigureAwait(false);
        }

        var silo = new Dictionary<int, (double Rate, double? Rss)>();
        if (clusterSizes.Length > 0)
        {
            await using var process = await SiloProcess
                .StartAsync(settings.Limits, (int)Math.Min(int.MaxValue, clusterSizes[^1] * 1.25 + 1_000_000), cancellationToken)
                .ConfigureAwait(false);
            await using var grpc = new GrpcCheckContender(process.GrpcAddress, 100, settings.Connections);
            // Warm the front (JIT, connections) before the baseline, so the baseline holds what an idle silo holds.
            await grpc.RunAsync(settings with { Warmup = TimeSpan.Zero, Duration = TimeSpan.FromSeconds(1) },
                KeyDistribution.Uniform(100), LimitKind.Open, cancellationToken).ConfigureAwait(false);
            var baseline = process.Process.ResidentBytes();
            var loaded = 0;
            foreach (var n in clusterSizes)
            {
                progress($"scale: silo, loading {n:N0} keys", 0);
                var keys = KeyDistribution.Uniform(n);
                await LoadAsync(settings, grpc, keys.Keys, loaded, LimitKind.Open, cancellationToken).ConfigureAwait(false);
                loaded = n;
                var rss = process.Process.ResidentBytes();
                var phase = await grpc.RunAsync(settings with { Warmup = TimeSpan.Zero, Duration = settings.ScaleDuration },
                    keys, LimitKind.Open, cancellationToken).ConfigureAwait(false);
                // Below 100k keys the growth is lost in the process' own noise (buffers, JIT, GC budget).
                silo[n] = (phase.DecisionsPerSecond, n >= 100_000 ? (rss - baseline) / (double)n : null);
            }
        }

        var redisBytes = new Dictionary<int, double>();
        if (redis is not null && clusterSizes.Length > 0)
        {
            await using var connection = await redis.ConnectAsync().ConfigureAwait(false);
            var server = connection.GetServer(redis.Endpoint);
            // Synchronous: the baseline must not include keys still being freed (the contenders leave a few hundred thousand).
            await server.ExecuteAsync("FLUSHALL", "SYNC").WaitAsync(cancellationToken).ConfigureAwait(false);
            var baseline = await UsedMemoryAsync(redis, cancellationToken).ConfigureAwait(false);
            var loaded = 0;
            var window = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 3_600_000;
            foreach (var n in clusterSizes)
            {
                progress($"scale: Redis, loading {n:N0} keys", 0);
                await LoadRedisAsync(connection.GetDatabase(), loaded, n, window, cancellationToken).ConfigureAwait(false);
                loaded = n;
                redisBytes[n] = (await UsedMemoryAsync(redis, cancellationToken).ConfigureAwait(false) - baseline) / (double)n;
            }

            await server.ExecuteAsync("FLUSHALL", "ASYNC").WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        foreach (var n in sizes)
        {
            points.Add(new ScalePoint
            {
                Keys = n,
                InProcessDecisionsPerSecond = inProcess[n].Rate,
                InProcessBytesPerKey = inProcess[n].Bytes,
                SiloDecisionsPerSecond = silo.TryGetValue(n, out var s) ? s.Rate : null,
                SiloRssBytesPerKey = silo.TryGetValue(n, out s) ? s.Rss : null,
                RedisBytesPerKey = redisBytes.TryGetValue(n, out var r) ? r : null,
            });
        }

        return points;
    }

    private static async Task<(double Rate, double Bytes)> InProcessAsync(LoadSettings settings, int n, CancellationToken cancellationToken)
    {
        await using var silo = await InProcessSilo.StartAsync(settings.Limits, n + n / 4 + 1024, cancellationToken).ConfigureAwait(false);
        await GrainMemory.ActivateAsync(silo.GrainFactory, SiloProcess.OpenPolicy, "warm:", 1000).ConfigureAwait(false);
        var before = GrainMemory.Heap();
        // The keys the rate is then measured on ("k<i>", as KeyDistribution names them), activated without keeping references.
        await GrainMemory.ActivateAsync(silo.GrainFactory, SiloProcess.OpenPolicy, "k", n).ConfigureAwait(false);
        var bytes = (GrainMemory.Heap() - before) / (double)n;
        await using var contender = new LocalGrainContender(silo, ownsSilo: false);
        var phase = await contender.RunAsync(settings with { Warmup = TimeSpan.Zero, Duration = settings.ScaleDuration },
                KeyDistribution.Uniform(n), LimitKind.Open, cancellationToken)
            .ConfigureAwait(false);
        return (phase.DecisionsPerSecond, bytes);
    }

    /// <summary>Activates <paramref name="keys"/> from index <paramref name="from"/> on, under <paramref name="limit"/>'s policy,
    /// through gRPC batches of 100.</summary>
    public static async Task LoadAsync(LoadSettings settings, GrpcCheckContender grpc, string[] keys, int from, LimitKind limit,
        CancellationToken cancellationToken)
    {
        var next = from;
        await Parallel.ForEachAsync(Enumerable.Range(0, settings.Concurrency),
            new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken },
            async (_, ct) =>
            {
                var batch = new string[100];
                while (true)
                {
                    var start = Interlocked.Add(ref next, 100) - 100;
                    if (start >= keys.Length)
                    {
                        return;
                    }

                    var count = Math.Min(100, keys.Length - start);
                    if (count != batch.Length)
                    {
                        batch = new string[count];
                    }

                    Array.Copy(keys, start, batch, 0, count);
                    for (var attempt = 1; ; attempt++)
                    {
                        try
                        {
                            await grpc.CallAsync(batch, limit, ct).ConfigureAwait(false);
                            break;
                        }
                        catch (Exception e) when (attempt < 10 && e is UndecidedAnswerException or RpcException { StatusCode: StatusCode.ResourceExhausted })
                        {
                            // A batch of first activations outlasted the silo's ResponseTimeout, or was shed by its deadline, on a
                            // loaded machine: ask again after the silo's pushback (the open limit makes a second charge harmless).
                            await Task.Delay(TimeSpan.FromMilliseconds(100 * attempt), ct).ConfigureAwait(false);
                        }
                    }
                }
            }).ConfigureAwait(false);
    }

    private static async Task LoadRedisAsync(IDatabase database, int from, int to, long window, CancellationToken cancellationToken)
    {
        const int BatchSize = 1000;
        var inFlight = new List<Task>();
        for (var start = from; start < to; start += BatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = database.CreateBatch();
            for (var i = start; i < Math.Min(to, start + BatchSize); i++)
            {
                // What the fixed-window script leaves per key: an integer counter with the window as TTL.
                inFlight.Add(batch.StringSetAsync($"fw:{{k{i}}}:{window}", 1, TimeSpan.FromMilliseconds(3_600_000)));
            }

            batch.Execute();
            if (inFlight.Count >= 8 * BatchSize)
            {
                await Task.WhenAll(inFlight).ConfigureAwait(false);
                inFlight.Clear();
            }
        }

        await Task.WhenAll(inFlight).ConfigureAwait(false);
    }

    private static async Task<long> UsedMemoryAsync(RedisServer redis, CancellationToken cancellationToken) =>
        long.Parse(await redis.InfoAsync("memory", "used_memory", cancellationToken).ConfigureAwait(false) ?? "0",
            System.Globalization.CultureInfo.InvariantCulture);

}
