using System.Diagnostics;
using GrainLimiter.Silo.Storage.Redis;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Storage.Redis;

/// <summary>Each test owns a redis-server it may kill and restart.</summary>
public sealed class RedisConnectionFailureTests : IAsyncLifetime
{
    private RedisServerProcess _server = null!;

    public async Task InitializeAsync() => _server = await RedisServerProcess.StartRedisAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact(Timeout = 30_000)]
    public async Task ServerKilledMidFlightFailsInFlightCommandsFast()
    {
        await using RedisConnection connection = await RedisConnection.ConnectAsync(_server.ConnectionString.Replace("syncTimeout=5000", "syncTimeout=20000", StringComparison.Ordinal));
        Task[] inFlight = [.. Enumerable.Range(0, 50).Select(i => connection.ExecuteAsync(["BLPOP", $"empty:{i}", 15]).AsTask())];
        await using (RedisConnection observer = await RedisConnection.ConnectAsync(_server.ConnectionString))
        {
            // The server holds the first BLPOP (and, behind it, the rest of the pipeline): the calls are truly in flight.
            await RedisConnectionTests.WaitUntilAsync(async () =>
                (await observer.ExecuteAsync(["INFO", "clients"])).AsString()!.Contains("blocked_clients:1", StringComparison.Ordinal));
        }

        var stopwatch = Stopwatch.StartNew();

        await _server.KillAsync();

        foreach (Task call in inFlight)
        {
            var error = await Assert.ThrowsAsync<RedisConnectionException>(() => call);
            Assert.Contains("may or may not have run", error.Message, StringComparison.Ordinal);
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"in-flight calls took {stopwatch.Elapsed} to fail");
        Assert.False(connection.IsConnected);
        var fast = await Assert.ThrowsAsync<RedisConnectionException>(async () => await connection.ExecuteAsync(["PING"]));
        Assert.Contains("reconnecting", fast.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task ConnectionComesBackWhenTheServerRestarts()
    {
        await using RedisConnection connection = await RedisConnection.ConnectAsync(_server.ConnectionString + ",reconnectMaxDelay=200");
        await connection.SetAsync("before", "1");

        await _server.KillAsync();
        await RedisConnectionTests.WaitUntilAsync(() => Task.FromResult(!connection.IsConnected));
        await _server.RestartAsync();

        await RedisConnectionTests.WaitUntilAsync(async () => await connection.PingAsync());
        await connection.SetAsync("after", "2");
        Assert.Equal("2"u8.ToArray(), await connection.GetAsync("after"));
    }

    [Fact(Timeout = 30_000)]
    public async Task DisposedConnectionFailsCommandsClearly()
    {
        RedisConnection connection = await RedisConnection.ConnectAsync(_server.ConnectionString);
        Task blocked = connection.ExecuteAsync(["BLPOP", "empty", 10]).AsTask();

        await connection.DisposeAsync();

        await Assert.ThrowsAsync<RedisConnectionException>(() => blocked);
        var error = await Assert.ThrowsAsync<RedisConnectionException>(async () => await connection.ExecuteAsync(["PING"]));
        Assert.Contains("disposed", error.Message, StringComparison.Ordinal);
    }
}
