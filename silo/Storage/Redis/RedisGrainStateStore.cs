using System.Buffers;
using GrainLimiter.Storage;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>
/// Grain states as plain Redis strings: the grain's opaque bytes under <see cref="GrainKeyFormat"/> keys, each with a
/// PX expiry equal to the time after which the state is as good as fresh, so Redis cleans itself.
/// </summary>
public sealed class RedisGrainStateStore : IGrainStateStore
{
    private readonly RedisConnection _connection;
    private readonly GrainKeyFormat _keys;

    public RedisGrainStateStore(RedisConnection connection, RedisGrainStoreOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        options ??= new RedisGrainStoreOptions();
        _connection = connection;
        _keys = new GrainKeyFormat(options.KeyPrefix, options.Region);
    }

    public async ValueTask<byte[]?> LoadAsync(GrainId id, CancellationToken cancellationToken) =>
        (await _connection.ExecuteAsync(["GET", _keys.ToBytes(id)], cancellationToken).ConfigureAwait(false)).AsBytes();

    /// <summary>
    /// Writes all states in one pipelined batch: SET ... PX ttl, or DEL when the TTL is zero or negative (the state
    /// is already equivalent to fresh, so absence says the same thing).
    /// </summary>
    public ValueTask WriteAsync(IReadOnlyList<GrainStateWrite> writes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(writes);
        if (writes.Count == 0)
        {
            return ValueTask.CompletedTask;
        }

        var batch = new RedisBatch(writes.Count * 96);
        var key = new ArrayBufferWriter<byte>(128);
        foreach (GrainStateWrite write in writes)
        {
            key.ResetWrittenCount();
            _keys.Write(key, write.Id);
            if (write.TimeToLive > TimeSpan.Zero)
            {
                batch.Add(["SET", key.WrittenMemory, write.State, "PX", RedisCommands.ToMilliseconds(write.TimeToLive)]);
            }
            else
            {
                batch.Add(["DEL", key.WrittenMemory]);
            }
        }

        return _connection.WriteBatchAsync(batch, cancellationToken);
    }

    public async ValueTask DeleteAsync(GrainId id, CancellationToken cancellationToken) =>
        await _connection.ExecuteAsync(["DEL", _keys.ToBytes(id)], cancellationToken).ConfigureAwait(false);

    /// <summary>The Redis key a grain's state is stored under (for operators and tests).</summary>
    internal string KeyOf(GrainId id) => _keys.ToText(id);
}
