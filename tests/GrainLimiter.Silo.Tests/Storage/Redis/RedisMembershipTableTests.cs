using GrainLimiter.Membership;
using GrainLimiter.Silo.Storage.Redis;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Storage.Redis;

/// <summary>Two connections, two tables, one cluster id: two silos sharing a Redis.</summary>
public abstract class RedisMembershipTableTests : MembershipTableTests
{
    private readonly RedisServerProcess _server;
    private readonly List<RedisConnection> _connections = [];

    protected RedisMembershipTableTests(RedisServerProcess server)
    {
        _server = server;
    }

    public override async Task DisposeAsync()
    {
        foreach (RedisConnection connection in _connections)
        {
            await connection.DisposeAsync();
        }
    }

    protected override async Task<(IMembershipTable A, IMembershipTable B)> CreateTablesAsync(TimeProvider time)
    {
        var options = new RedisMembershipOptions { ClusterId = "cluster-" + Guid.NewGuid().ToString("N"), Table = Options };
        _connections.Add(await RedisConnection.ConnectAsync(_server.ConnectionString));
        _connections.Add(await RedisConnection.ConnectAsync(_server.ConnectionString));
        return (new RedisMembershipTable(_connections[0], options, time), new RedisMembershipTable(_connections[1], options, time));
    }

    [Fact(Timeout = 30_000)]
    public async Task TableSurvivesTheScriptCacheBeingFlushed()
    {
        await SiloA.RegisterAsync("a@1", "10.0.0.1:11111", DateTimeOffset.UnixEpoch, default);
        await _connections[0].ExecuteAsync(["SCRIPT", "FLUSH"]);

        Assert.True(await SiloA.HeartbeatAsync("a@1", default));
        Assert.Single((await SiloB.ReadAsync(default)).Entries);
    }
}

[Collection(RedisServerCollection.Name)]
public sealed class RedisMembershipTableOnRedisServerTests(RedisServerFixture fixture) : RedisMembershipTableTests(fixture.Server);

[Collection(GarnetCollection.Name)]
public sealed class RedisMembershipTableOnGarnetTests(GarnetFixture fixture) : RedisMembershipTableTests(fixture.Server);
