using System.Text;
using GrainLimiter.Silo.Storage.Redis;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Storage.Redis;

[Collection(RedisServerCollection.Name)]
public sealed class RedisConnectionTests : IAsyncLifetime
{
    private readonly RedisServerProcess _server;
    private readonly string _prefix = "conn-test:" + Guid.NewGuid().ToString("N") + ":";
    private RedisConnection _connection = null!;

    public RedisConnectionTests(RedisServerFixture fixture)
    {
        _server = fixture.Server;
    }

    public async Task InitializeAsync() => _connection = await RedisConnection.ConnectAsync(_server.ConnectionString);

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact(Timeout = 30_000)]
    public async Task CommandsGrainLimiterNeedsWork()
    {
        string key = _prefix + "k";
        Assert.True(await _connection.PingAsync());
        Assert.Null(await _connection.GetAsync(key));

        await _connection.SetAsync(key, "v1", TimeSpan.FromSeconds(30));
        Assert.Equal("v1"u8.ToArray(), await _connection.GetAsync(key));
        Assert.InRange(await _connection.PTtlAsync(key), 1, 30_000);

        await _connection.SetAsync(_prefix + "k2", new byte[] { 1, 2, 3 });
        Assert.Equal(-1, await _connection.PTtlAsync(_prefix + "k2"));
        Assert.True(await _connection.PExpireAsync(_prefix + "k2", TimeSpan.FromSeconds(10)));
        Assert.InRange(await _connection.PTtlAsync(_prefix + "k2"), 1, 10_000);

        byte[]?[] values = await _connection.MGetAsync([key, _prefix + "missing", _prefix + "k2"]);
        Assert.Equal(["v1"u8.ToArray(), null, [1, 2, 3]], values);

        Assert.Equal(1, await _connection.DelAsync(key));
        Assert.Equal(0, await _connection.DelAsync(key));
        Assert.Equal(-2, await _connection.PTtlAsync(key));

        Assert.True(await _connection.HSetAsync(_prefix + "h", "f1", "a"));
        Assert.False(await _connection.HSetAsync(_prefix + "h", "f1", "b"));
        await _connection.HSetAsync(_prefix + "h", "f2", "c");
        Dictionary<string, byte[]> hash = await _connection.HGetAllAsync(_prefix + "h");
        Assert.Equal(["b", "c"], hash.OrderBy(p => p.Key).Select(p => Encoding.UTF8.GetString(p.Value)));
    }

    [Fact(Timeout = 30_000)]
    public async Task ScanVisitsEveryMatchingKey()
    {
        var batch = new RedisBatch();
        for (int i = 0; i < 2_500; i++)
        {
            batch.Add(["SET", $"{_prefix}scan:{i}", i]);
        }

        await _connection.WriteBatchAsync(batch);

        var seen = new HashSet<string>();
        await foreach (byte[] key in _connection.ScanAsync(_prefix + "scan:*", countHint: 300))
        {
            seen.Add(Encoding.UTF8.GetString(key));
        }

        Assert.Equal(2_500, seen.Count);
    }

    [Fact(Timeout = 30_000)]
    public async Task ManyConcurrentCallersGetTheirOwnReplies()
    {
        const int callers = 5_000;
        var batch = new RedisBatch();
        for (int i = 0; i < callers; i++)
        {
            batch.Add(["SET", $"{_prefix}p:{i}", $"value-{i}"]);
        }

        await _connection.WriteBatchAsync(batch);

        Task<string?>[] reads = [.. Enumerable.Range(0, callers).Select(i => Task.Run(async () =>
        {
            RespValue reply = await _connection.ExecuteAsync(["GET", $"{_prefix}p:{i}"]);
            return reply.AsString();
        }))];
        string?[] replies = await Task.WhenAll(reads);

        Assert.Equal(Enumerable.Range(0, callers).Select(i => $"value-{i}"), replies);
    }

    [Fact(Timeout = 30_000)]
    public async Task BatchRepliesComeBackInOrderWithErrorsInPlace()
    {
        var batch = new RedisBatch();
        batch.Add(["SET", _prefix + "b", "1"]);
        batch.Add(["INCR", _prefix + "b"]);
        batch.Add(["HSET", _prefix + "b", "f", "v"]); // wrong type
        batch.Add(["GET", _prefix + "b"]);

        RespValue[] replies = await _connection.ExecuteBatchAsync(batch);

        Assert.Equal("OK", replies[0].AsString());
        Assert.Equal(2, replies[1].Integer);
        Assert.True(replies[2].IsError);
        Assert.StartsWith("WRONGTYPE", replies[2].AsString(), StringComparison.Ordinal);
        Assert.Equal("2", replies[3].AsString());

        var error = await Assert.ThrowsAsync<RedisServerException>(async () => await _connection.WriteBatchAsync(batch));
        Assert.Equal("WRONGTYPE", error.ErrorCode);
        Assert.Contains("command 2 of a batch of 4", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task ErrorReplyThrowsAndTheConnectionStaysUsable()
    {
        var error = await Assert.ThrowsAsync<RedisServerException>(async () => await _connection.ExecuteAsync(["NOSUCHCOMMAND"]));

        Assert.Equal("ERR", error.ErrorCode);
        Assert.True(await _connection.PingAsync());
    }

    [Fact(Timeout = 30_000)]
    public async Task EvalShaLoadsTheScriptAfterNoScript()
    {
        var script = new RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])");
        await _connection.ExecuteAsync(["SCRIPT", "FLUSH"]);

        Assert.Equal(5, (await script.EvaluateAsync(_connection, [_prefix + "lua"], [5])).Integer);
        Assert.Equal(12, (await script.EvaluateAsync(_connection, [_prefix + "lua"], [7])).Integer);
    }

    [Fact(Timeout = 30_000)]
    public async Task DefaultDatabaseSelectsTheDatabase()
    {
        await using RedisConnection database5 = await RedisConnection.ConnectAsync(_server.ConnectionString + ",defaultDatabase=5");
        await database5.SetAsync(_prefix + "db", "five");

        Assert.Null(await _connection.GetAsync(_prefix + "db"));
        Assert.Equal("five"u8.ToArray(), await database5.GetAsync(_prefix + "db"));
    }

    [Fact(Timeout = 30_000)]
    public async Task SlowReplyFailsWithTimeoutAndLaterCommandsStillMatchTheirReplies()
    {
        await using RedisConnection connection = await RedisConnection.ConnectAsync(_server.ConnectionString.Replace("syncTimeout=5000", "syncTimeout=200", StringComparison.Ordinal));
        await connection.SetAsync(_prefix + "t", "after");

        // BLPOP on an empty list holds the reply for 1 s on the server side.
        ValueTask<RespValue> blocked = connection.ExecuteAsync(["BLPOP", _prefix + "empty", 1]);
        var started = System.Diagnostics.Stopwatch.StartNew();
        var error = await Assert.ThrowsAsync<RedisTimeoutException>(async () => await blocked);

        Assert.InRange(started.Elapsed, TimeSpan.FromMilliseconds(150), TimeSpan.FromMilliseconds(900));
        Assert.Contains("200 ms", error.Message, StringComparison.Ordinal);
        await WaitUntilAsync(async () => (await connection.GetAsync(_prefix + "t")) is [.. var v] && Encoding.UTF8.GetString(v) == "after");
    }

    [Fact(Timeout = 30_000)]
    public async Task CancelledCommandReturnsAtOnceAndTheNextReplyGoesToTheRightCaller()
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        ValueTask<RespValue> blocked = _connection.ExecuteAsync(["BLPOP", _prefix + "empty", 1], cancel.Token);
        ValueTask<RespValue> queuedBehind = _connection.ExecuteAsync(["ECHO", "behind"]);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await blocked);
        Assert.Equal("behind", (await queuedBehind).AsString());
        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            async () => await _connection.ExecuteAsync(["PING"], new CancellationToken(canceled: true)));
    }

    [Fact(Timeout = 30_000)]
    public async Task ConnectingToAClosedPortFailsWithTheEndpointInTheMessage()
    {
        int port = RedisServerProcess.FreePort();

        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync($"127.0.0.1:{port},connectTimeout=2000"));
        Assert.Contains($"127.0.0.1:{port}", error.Message, StringComparison.Ordinal);
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, int timeoutMs = 10_000)
    {
        var deadline = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (RedisException) when (deadline.ElapsedMilliseconds < timeoutMs)
            {
            }

            Assert.True(deadline.ElapsedMilliseconds < timeoutMs, $"Condition not met within {timeoutMs} ms.");
            await Task.Delay(20);
        }
    }
}
