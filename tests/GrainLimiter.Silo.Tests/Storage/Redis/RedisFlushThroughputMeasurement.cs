using System.Diagnostics;
using GrainLimiter.Silo.Storage.Redis;
using GrainLimiter.Silo.Tests.Fixtures;
using GrainLimiter.Storage;
using Xunit.Abstractions;

namespace GrainLimiter.Silo.Tests.Storage.Redis;

/// <summary>
/// MEASUREMENT, NOT A TIMED ASSERTION: prints grain states flushed per second to redis-server with one pipelined
/// batch per flush vs one SET per round trip. Asserts only that the states landed. Run it alone, in Release:
/// <c>dotnet test tests/GrainLimiter.Silo.Tests -c Release --filter Category=Measurement --logger "console;verbosity=detailed"</c>.
/// </summary>
[Collection(RedisServerCollection.Name)]
[Trait("Category", "Measurement")]
public sealed class RedisFlushThroughputMeasurement(RedisServerFixture fixture, ITestOutputHelper output)
{
    private const int BatchedStates = 100_000;
    private const int RoundTripStates = 10_000;

    [Fact(Timeout = 120_000)]
    public async Task FlushThroughputBatchedVersusOneRoundTripPerState()
    {
        await using RedisConnection connection = await RedisConnection.ConnectAsync(
            fixture.Server.ConnectionString.Replace("syncTimeout=5000", "syncTimeout=30000", StringComparison.Ordinal));
        var store = new RedisGrainStateStore(connection, new RedisGrainStoreOptions { KeyPrefix = "measure", Region = "r" + Guid.NewGuid().ToString("N") });
        byte[] state = new byte[32]; // about the size of a fixed-window state blob
        GrainStateWrite[] writes = [.. Enumerable.Range(0, BatchedStates).Select(i =>
            new GrainStateWrite(new GrainId("measure", $"key-{i}"), state, TimeSpan.FromMinutes(1)))];
        await store.WriteAsync(writes[..1_000], default); // warm-up: JIT, buffers

        TimeSpan firstFlush = await TimeAsync(() => store.WriteAsync(writes, default)); // keys are new to Redis
        TimeSpan steadyFlush = await TimeAsync(() => store.WriteAsync(writes, default)); // keys exist: overwrite, as a periodic flush does
        TimeSpan roundTrips = await TimeAsync(async () =>
        {
            for (int i = 0; i < RoundTripStates; i++)
            {
                await store.WriteAsync([writes[i]], default);
            }
        });

        Report("one batch, new keys", BatchedStates, firstFlush);
        Report("one batch, overwrite", BatchedStates, steadyFlush);
        Report("one SET per round trip", RoundTripStates, roundTrips);
        Assert.Equal(state, await store.LoadAsync(writes[^1].Id, default));
    }

    private static async Task<TimeSpan> TimeAsync(Func<ValueTask> action)
    {
        var stopwatch = Stopwatch.StartNew();
        await action();
        return stopwatch.Elapsed;
    }

    private void Report(string what, int states, TimeSpan elapsed) =>
        output.WriteLine($"{what,-24}: {states,7} states in {elapsed.TotalMilliseconds,8:F1} ms = {states / elapsed.TotalSeconds,10:N0} states/s");
}
