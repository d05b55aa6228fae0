using GrainLimiter.Benchmarks.Load.Processes;
using StackExchange.Redis;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// The seed design: one EVALSHA per decision against redis-server (script loaded once), unbatched or
/// <see cref="RedisContender.DecisionsPerCall"/> scripts in one pipeline, as a batched GrainLimiter call is compared with.
/// </summary>
internal sealed class RedisLuaContender : RedisContender
{
    private readonly byte[] _sha;
    private readonly bool _sliding;
    private readonly BenchLimits _limits;

    private RedisLuaContender(ConnectionMultiplexer[] connections, int batch, byte[] sha, bool sliding, BenchLimits limits)
        : base(connections, batch)
    {
        _sha = sha;
        _sliding = sliding;
        _limits = limits;
    }

    public override string Name => (_sliding ? "Redis + Lua, sliding window counter" : "Redis + Lua, fixed window") + Batching;

    /// <summary>The fixed-window script is what every row is ranked against, at its own batch size.</summary>
    public override bool IsBaseline => !_sliding;

    public static async Task<RedisLuaContender> ConnectAsync(RedisServer redis, int connections, int batch, bool sliding, BenchLimits limits,
        CancellationToken cancellationToken)
    {
        var opened = await OpenAsync(redis, connections, cancellationToken).ConfigureAwait(false);
        try
        {
            // SCRIPT LOAD once; every decision is then a bare EVALSHA (ScriptEvaluateAsync with the hash never sends the body).
            var sha = await opened[0].GetServer(redis.Endpoint).ScriptLoadAsync(sliding ? LuaScripts.SlidingWindowCounter : LuaScripts.FixedWindow)
                .ConfigureAwait(false);
            return new RedisLuaContender(opened, batch, sha, sliding, limits) { Servers = [redis.Process] };
        }
        catch
        {
            await DisposeAllAsync(opened).ConfigureAwait(false);
            throw;
        }
    }

    protected override async Task<bool> DecideAsync(IDatabaseAsync redis, string key, LimitKind limit)
    {
        var (max, span) = _limits.Of(limit);
        var windowMs = (long)span.TotalMilliseconds;
        var nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var window = nowMs / windowMs;
        // The hash tag keeps a key's windows in one slot, as a Redis Cluster deployment needs.
        RedisKey current = $"{Prefix}:{limit}:{{{key}}}:{window}";
        var reply = _sliding
            ? await redis.ScriptEvaluateAsync(_sha, [current, $"{Prefix}:{limit}:{{{key}}}:{window - 1}"], [1, max, windowMs, nowMs % windowMs])
                .ConfigureAwait(false)
            : await redis.ScriptEvaluateAsync(_sha, [current], [1, max, windowMs]).ConfigureAwait(false);
        return (long)((RedisResult[])reply!)[0] == 1;
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
