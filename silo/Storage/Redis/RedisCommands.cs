using System.Runtime.CompilerServices;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>Typed helpers for the commands GrainLimiter uses. Keys and values are text or bytes (<see cref="RedisArg"/>).</summary>
public static class RedisCommands
{
    public static async ValueTask<bool> PingAsync(this RedisConnection connection, CancellationToken cancellationToken = default) =>
        (await connection.ExecuteAsync(["PING"], cancellationToken).ConfigureAwait(false)).AsString() == "PONG";

    public static async ValueTask<byte[]?> GetAsync(this RedisConnection connection, RedisArg key, CancellationToken cancellationToken = default) =>
        (await connection.ExecuteAsync(["GET", key], cancellationToken).ConfigureAwait(false)).AsBytes();

    /// <summary>SET, with PX when <paramref name="expiry"/> is given (rounded up to whole milliseconds).</summary>
    public static async ValueTask SetAsync(
        this RedisConnection connection, RedisArg key, RedisArg value, TimeSpan? expiry = null, CancellationToken cancellationToken = default)
    {
        ValueTask<RespValue> reply = expiry is { } ttl
            ? connection.ExecuteAsync(["SET", key, value, "PX", ToMilliseconds(ttl)], cancellationToken)
            : connection.ExecuteAsync(["SET", key, value], cancellationToken);
        await reply.ConfigureAwait(false);
    }

    public static async ValueTask<byte[]?[]> MGetAsync(this RedisConnection connection, IReadOnlyList<RedisArg> keys, CancellationToken cancellationToken = default)
    {
        var command = new RedisArg[keys.Count + 1];
        command[0] = "MGET";
        for (int i = 0; i < keys.Count; i++)
        {
            command[i + 1] = keys[i];
        }

        RespValue[] items = (await connection.ExecuteAsync(command, cancellationToken).ConfigureAwait(false)).AsArray()!;
        return Array.ConvertAll(items, item => item.AsBytes());
    }

    /// <summary>Deletes keys; returns how many existed.</summary>
    public static async ValueTask<long> DelAsync(this RedisConnection connection, RedisArg key, CancellationToken cancellationToken = default) =>
        (await connection.ExecuteAsync(["DEL", key], cancellationToken).ConfigureAwait(false)).AsInt64();

    /// <summary>Sets a key's time to live; false when the key does not exist.</summary>
    public static async ValueTask<bool> PExpireAsync(this RedisConnection connection, RedisArg key, TimeSpan ttl, CancellationToken cancellationToken = default) =>
        (await connection.ExecuteAsync(["PEXPIRE", key, ToMilliseconds(ttl)], cancellationToken).ConfigureAwait(false)).AsInt64() == 1;

    /// <summary>Remaining time to live in milliseconds: -1 without expiry, -2 when the key does not exist.</summary>
    public static async ValueTask<long> PTtlAsync(this RedisConnection connection, RedisArg key, CancellationToken cancellationToken = default) =>
        (await connection.ExecuteAsync(["PTTL", key], cancellationToken).ConfigureAwait(false)).AsInt64();

    /// <summary>Sets one hash field; true when the field is new.</summary>
    public static async ValueTask<bool> HSetAsync(
        this RedisConnection connection, RedisArg key, RedisArg field, RedisArg value, CancellationToken cancellationToken = default) =>
        (await connection.ExecuteAsync(["HSET", key, field, value], cancellationToken).ConfigureAwait(false)).AsInt64() == 1;

    /// <summary>All fields of a hash (field names decoded as UTF-8); empty when the key does not exist.</summary>
    public static async ValueTask<Dictionary<string, byte[]>> HGetAllAsync(
        this RedisConnection connection, RedisArg key, CancellationToken cancellationToken = default)
    {
        RespValue[] items = (await connection.ExecuteAsync(["HGETALL", key], cancellationToken).ConfigureAwait(false)).AsArray()!;
        var fields = new Dictionary<string, byte[]>(items.Length / 2, StringComparer.Ordinal);
        for (int i = 0; i + 1 < items.Length; i += 2)
        {
            fields[items[i].AsString()!] = items[i + 1].AsBytes()!;
        }

        return fields;
    }

    /// <summary>Iterates keys with SCAN (cursor by cursor, never KEYS). A key may be seen twice if the keyspace changes meanwhile.</summary>
    public static async IAsyncEnumerable<byte[]> ScanAsync(
        this RedisConnection connection, string match = "*", int countHint = 1000, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string cursor = "0";
        do
        {
            RespValue[] page = (await connection.ExecuteAsync(["SCAN", cursor, "MATCH", match, "COUNT", countHint], cancellationToken)
                .ConfigureAwait(false)).AsArray()!;
            if (page.Length != 2)
            {
                throw new RedisProtocolException($"SCAN replied with {page.Length} items instead of [cursor, keys].");
            }

            cursor = page[0].AsString()!;
            foreach (RespValue key in page[1].AsArray()!)
            {
                yield return key.AsBytes()!;
            }
        }
        while (cursor != "0");
    }

    internal static long ToMilliseconds(TimeSpan ttl) =>
        ttl > TimeSpan.Zero
            ? Math.Max(1, (ttl.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond)
            : throw new ArgumentOutOfRangeException(nameof(ttl), ttl, "A Redis expiry must be positive.");
}
