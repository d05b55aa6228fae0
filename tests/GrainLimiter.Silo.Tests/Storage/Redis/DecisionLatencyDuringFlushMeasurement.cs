using System.Diagnostics;
using GrainLimiter.Grains;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Runtime;
using GrainLimiter.Silo.Storage.Redis;
using GrainLimiter.Silo.Tests.Fixtures;
using GrainLimiter.Storage;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit.Abstractions;

namespace GrainLimiter.Silo.Tests.Storage.Redis;

/// <summary>
/// MEASUREMENT, NOT A TIMED ASSERTION: decision latency through the catalog while a write-behind flush of many dirty
/// grains to redis-server is running, beside the same decisions with no flush. Asserts only that the flush wrote
/// everything. Run: <c>dotnet test tests/GrainLimiter.Silo.Tests -c Release --filter Category=Measurement --logger "console;verbosity=detailed"</c>.
/// </summary>
[Collection(RedisServerCollection.Name)]
[Trait("Category", "Measurement")]
public sealed class DecisionLatencyDuringFlushMeasurement(RedisServerFixture fixture, ITestOutputHelper output)
{
    private const int DirtyGrains = 200_000;
    private static readonly CompiledPolicy Policy = new(new PolicyDefinition
    {
        Name = "flush-measure",
        Limits = [new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = 1_000_000_000, Window = TimeSpan.FromHours(1) }],
    });

    [Fact(Timeout = 120_000)]
    public async Task DecisionsDoNotStallWhileAFlushRuns()
    {
        await using var connection = await RedisConnection.ConnectAsync(
            fixture.Server.ConnectionString.Replace("syncTimeout=5000", "syncTimeout=30000", StringComparison.Ordinal));
        var store = new RedisGrainStateStore(connection, new RedisGrainStoreOptions { KeyPrefix = "measure", Region = "r" + Guid.NewGuid().ToString("N") });
        var catalog = new GrainCatalog(store, DirtyGrains * 2, NullLogger<GrainCatalog>.Instance);
        var now = DateTimeOffset.UtcNow.UtcTicks;
        await DirtyAllAsync(catalog, now);
        await catalog.FlushAsync(now, CatalogMaintenance.FlushBatchSize, default); // keys now exist, as in a steady flush

        await MeasureAsync(catalog, now, until: null); // warm-up: tiered JIT
        var quiet = await MeasureAsync(catalog, now, until: null);
        await DirtyAllAsync(catalog, now);
        var flush = Task.Run(() => catalog.FlushAsync(now, CatalogMaintenance.FlushBatchSize, default));
        var busy = await MeasureAsync(catalog, now, until: flush);
        var written = await flush;

        Report("no flush", quiet);
        Report($"during a flush of {DirtyGrains:N0}", busy);
        // Every dirtied grain, plus the hot keys the measurement itself changed (1 000 of them).
        Assert.InRange(written, DirtyGrains, DirtyGrains + 1_000);
    }

    private static async Task DirtyAllAsync(GrainCatalog catalog, long now)
    {
        for (var i = 0; i < DirtyGrains; i++)
        {
            await catalog.RunAsync(new GrainId(Policy.Name, $"k{i}"), Policy, GrainOperation.Acquire, now, 1);
        }
    }

    // Decisions on keys that are not being flushed, one at a time, each timed.
    private static async Task<double[]> MeasureAsync(GrainCatalog catalog, long now, Task? until)
    {
        var latencies = new List<double>();
        var i = 0;
        while (until is null ? latencies.Count < 50_000 : !until.IsCompleted || latencies.Count < 1_000)
        {
            var start = Stopwatch.GetTimestamp();
            await catalog.RunAsync(new GrainId(Policy.Name, $"hot{i++ % 1000}"), Policy, GrainOperation.Acquire, now, 1);
            latencies.Add(Stopwatch.GetElapsedTime(start).TotalMicroseconds);
        }

        return [.. latencies.Order()];
    }

    private void Report(string what, double[] sorted) => output.WriteLine(
        $"{what,-30}: {sorted.Length,7:N0} decisions  p50 {Percentile(sorted, 0.50),7:F1} µs  p99 {Percentile(sorted, 0.99),7:F1} µs  p99.9 {Percentile(sorted, 0.999),8:F1} µs  max {sorted[^1],9:F1} µs");

    private static double Percentile(double[] sorted, double p) => sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
