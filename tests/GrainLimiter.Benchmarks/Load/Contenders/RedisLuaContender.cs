using GrainLimiter.Benchmarks.Load.Processes;
using StackExchange.Redis;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// The seed design: one EVALSHA per decision against redis-server, through StackExchange.Redis (multiplexed:
/// concurrent calls are pipelined on a few connections).
/// </summary>
internal sealed class RedisLuaContender : Contender
{
    private const long WindowMs = 3_600_000;

    private readonly ConnectionMultiplexer[] _connections;
    private readonly string _script;
    private readonly bool _sliding;
    private readonly int _accuracyLimit;
    private readonly string _prefix = $"run{Environment.TickCount64}";
    private int _next;

    private RedisLuaContender(ConnectionMultiplexer[] connections, bool sliding, int accuracyLimit)
    {
        _connections = connections;
        _sliding = sliding;
        _script = sliding ? LuaScripts.SlidingWindowCounter : LuaScripts.FixedWindow;
        _accuracyLimit = accuracyLimit;
    }

    public override string Name => _sliding ? "Redis + Lua, sliding window counter" : "Redis + Lua, fixed window";

    public static async Task<RedisLuaContender> ConnectAsync(RedisServer redis, int connections, bool sliding, int accuracyLimit, CancellationToken cancellationToken)
    {
        var opened = new ConnectionMultiplexer[connections];
        for (var i = 0; i < connections; i++)
        {
            opened[i] = await redis.ConnectAsync(cancellationToken).ConfigureAwait(false);
        }

        return new RedisLuaContender(opened, sliding, accuracyLimit) { Server = redis.Process };
    }

    public override async ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var connection = _connections[(uint)Interlocked.Increment(ref _next) % (uint)_connections.Length].GetDatabase();
        var max = limit == LimitKind.Open ? 1_000_000_000 : _accuracyLimit;
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var window = nowMs / WindowMs;
        var admitted = 0;
        foreach (var key in keys)
        {
            // The hash tag keeps a key's windows in one slot, as a Redis Cluster deployment needs.
            var current = $"{_prefix}:{limit}:{{{key}}}:{window}";
            // StackExchange.Redis sends EVALSHA once the script is cached on the server.
            var reply = _sliding
                ? await connection.ScriptEvaluateAsync(_script, [current, $"{_prefix}:{limit}:{{{key}}}:{window - 1}"], [1, max, WindowMs, nowMs % WindowMs]).ConfigureAwait(false)
                : await connection.ScriptEvaluateAsync(_script, [current], [1, max, WindowMs]).ConfigureAwait(false);
            admitted += (long)((RedisResult[])reply!)[0] == 1 ? 1 : 0;
        }

        return admitted;
    }

    public override async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}

/// <summary>The Lua scripts of the seed designs: a fixed window counter and a two-window weighted (sliding window) counter.</summary>
internal static class LuaScripts
{
    /// <summary>KEYS[1] the current window's counter; ARGV cost, limit, window ms. Returns {allowed, remaining, reset ms}.</summary>
    public const string FixedWindow = """
        local cost = tonumber(ARGV[1])
        local limit = tonumber(ARGV[2])
        local count = redis.call('INCRBY', KEYS[1], cost)
        if count == cost then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
        if count > limit then
          redis.call('DECRBY', KEYS[1], cost)
          return {0, 0, redis.call('PTTL', KEYS[1])}
        end
        return {1, limit - count, redis.call('PTTL', KEYS[1])}
        """;

    /// <summary>KEYS[1] current window, KEYS[2] previous window; ARGV cost, limit, window ms, ms elapsed in the current window.</summary>
    public const string SlidingWindowCounter = """
        local cost = tonumber(ARGV[1])
        local limit = tonumber(ARGV[2])
        local window = tonumber(ARGV[3])
        local elapsed = tonumber(ARGV[4])
        local previous = tonumber(redis.call('GET', KEYS[2]) or '0')
        local current = tonumber(redis.call('GET', KEYS[1]) or '0')
        local used = math.floor(previous * (window - elapsed) / window) + current
        if used + cost > limit then
          return {0, limit - used, window - elapsed}
        end
        if redis.call('INCRBY', KEYS[1], cost) == cost then redis.call('PEXPIRE', KEYS[1], 2 * window) end
        return {1, limit - used - cost, window - elapsed}
        """;
}
