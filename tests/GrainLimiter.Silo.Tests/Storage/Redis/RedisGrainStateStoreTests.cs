using GrainLimiter.Silo.Storage.Redis;
using GrainLimiter.Silo.Tests.Fixtures;
using GrainLimiter.Storage;

namespace GrainLimiter.Silo.Tests.Storage.Redis;

/// <summary>The store's contract, run against redis-server and Garnet.</summary>
public abstract class RedisGrainStateStoreTests : IAsyncLifetime
{
    private readonly RedisServerProcess _server;
    private readonly RedisGrainStoreOptions _options = new() { KeyPrefix = "store-test", Region = "r" + Guid.NewGuid().ToString("N") };
    private RedisConnection _connection = null!;
    private RedisGrainStateStore _store = null!;

    protected RedisGrainStateStoreTests(RedisServerProcess server)
    {
        _server = server;
    }

    public async Task InitializeAsync()
    {
        _connection = await RedisConnection.ConnectAsync(_server.ConnectionString);
        _store = new RedisGrainStateStore(_connection, _options);
    }

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact(Timeout = 30_000)]
    public async Task StateRoundTripsAsOpaqueBytes()
    {
        var id = new GrainId("api", "user-1");
        byte[] state = [1, 0, 13, 10, 255, 42];

        Assert.Null(await _store.LoadAsync(id, default));
        await _store.WriteAsync([new GrainStateWrite(id, state, TimeSpan.FromMinutes(1))], default);

        Assert.Equal(state, await _store.LoadAsync(id, default));
        await _store.DeleteAsync(id, default);
        Assert.Null(await _store.LoadAsync(id, default));
    }

    [Fact(Timeout = 30_000)]
    public async Task TimeToLiveBecomesTheKeyExpiry()
    {
        var id = new GrainId("api", "ttl");

        await _store.WriteAsync([new GrainStateWrite(id, new byte[] { 1 }, TimeSpan.FromSeconds(90))], default);

        Assert.InRange(await _connection.PTtlAsync(_store.KeyOf(id)), 80_000, 90_000);
    }

    [Fact(Timeout = 30_000)]
    public async Task ZeroTimeToLiveDeletesTheState()
    {
        var id = new GrainId("api", "fresh-again");
        await _store.WriteAsync([new GrainStateWrite(id, new byte[] { 1 }, TimeSpan.FromMinutes(1))], default);

        await _store.WriteAsync([new GrainStateWrite(id, new byte[] { 2 }, TimeSpan.Zero)], default);

        Assert.Null(await _store.LoadAsync(id, default));
        Assert.Equal(-2, await _connection.PTtlAsync(_store.KeyOf(id)));
    }

    [Fact(Timeout = 60_000)]
    public async Task TenThousandWritesGoInOneCall()
    {
        GrainStateWrite[] writes = [.. Enumerable.Range(0, 10_000).Select(i =>
            new GrainStateWrite(new GrainId("bulk", $"key-{i}"), BitConverter.GetBytes(i), TimeSpan.FromMinutes(5)))];

        await _store.WriteAsync(writes, default);

        byte[]?[] stored = await _connection.MGetAsync([.. writes.Select(w => (RedisArg)_store.KeyOf(w.Id))]);
        Assert.Equal(writes.Select(w => w.State.ToArray()), stored);
    }

    [Fact(Timeout = 30_000)]
    public async Task KeysWithOddCharactersNeverCollide()
    {
        GrainStateWrite[] writes = [.. GrainKeyFormatTests.TrickyIds.Select((id, i) =>
            new GrainStateWrite(id, BitConverter.GetBytes(i), TimeSpan.FromMinutes(1)))];

        await _store.WriteAsync(writes, default);

        foreach (GrainStateWrite write in writes)
        {
            Assert.Equal(write.State.ToArray(), await _store.LoadAsync(write.Id, default));
        }

        int stored = 0;
        await foreach (byte[] _ in _connection.ScanAsync($"{_options.KeyPrefix}:{_options.Region}:*"))
        {
            stored++;
        }

        Assert.Equal(writes.Length, stored);
    }

    [Fact(Timeout = 30_000)]
    public async Task EmptyBatchIsANoOp() => await _store.WriteAsync([], default);
}

[Collection(RedisServerCollection.Name)]
public sealed class RedisGrainStateStoreOnRedisServerTests(RedisServerFixture fixture) : RedisGrainStateStoreTests(fixture.Server);

[Collection(GarnetCollection.Name)]
public sealed class RedisGrainStateStoreOnGarnetTests(GarnetFixture fixture) : RedisGrainStateStoreTests(fixture.Server);
