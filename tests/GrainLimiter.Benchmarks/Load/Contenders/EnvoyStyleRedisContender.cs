using GrainLimiter.Benchmarks.Load.Processes;
using StackExchange.Redis;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// envoyproxy/ratelimit's Redis fixed window, no Lua (src/redis/fixed_cache_impl.go): per descriptor
/// <c>INCRBY key hits</c> then <c>EXPIRE key unit-seconds</c>, both appended to one pipeline, the key
/// <c>prefix + domain_key_value_windowStart</c>; over the limit when the count after the increment exceeds it (an
/// over-limit hit is still counted, as with its default <c>stopCacheKeyIncrementWhenOverlimit</c> false). Unbatched: one
/// request's two commands in one round trip; batched: every key's pair of a call in one pipeline.
/// </summary>
internal sealed class EnvoyStyleRedisContender(ConnectionMultiplexer[] connections, int batch, BenchLimits limits) : RedisContender(connections, batch)
{
    public override string Name => "Redis INCRBY + EXPIRE (envoyproxy/ratelimit style)" + Batching;

    public static async Task<EnvoyStyleRedisContender> ConnectAsync(RedisServer redis, int connections, int batch, BenchLimits limits,
        CancellationToken cancellationToken) =>
        new(await OpenAsync(redis, connections, cancellationToken).ConfigureAwait(false), batch, limits) { Servers = [redis.Process] };

    protected override async Task<bool> DecideAsync(IDatabaseAsync redis, string key, LimitKind limit)
    {
        var (max, window) = limits.Of(limit);
        var unitSeconds = (long)window.TotalSeconds; // the descriptor's unit: an hour, or a second in the attack phase
        var windowStart = DateTimeOffset.UtcNow.ToUnixTimeSeconds() / unitSeconds * unitSeconds;
        RedisKey cacheKey = $"{Prefix}{limit}_k_{key}_{windowStart}";
        // Both commands are written before either answer is awaited: one round trip, as its pipeline makes.
        var count = redis.StringIncrementAsync(cacheKey);
        var expire = redis.KeyExpireAsync(cacheKey, window);
        var after = await count.ConfigureAwait(false);
        await expire.ConfigureAwait(false);
        return after <= max;
    }
}
