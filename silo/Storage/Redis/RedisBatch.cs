using System.Buffers;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>
/// Commands encoded ahead of time and sent together in one write; the replies come back as one result. Built outside
/// the connection's lock, copied into the send buffer in one step. Reusable after <see cref="Clear"/>.
/// </summary>
public sealed class RedisBatch
{
    private readonly ArrayBufferWriter<byte> _buffer;

    public RedisBatch(int initialCapacity = 4096)
    {
        _buffer = new ArrayBufferWriter<byte>(initialCapacity);
    }

    public int Count { get; private set; }

    internal ReadOnlySpan<byte> Payload => _buffer.WrittenSpan;

    public void Add(ReadOnlySpan<RedisArg> commandAndArgs)
    {
        RespWriter.WriteCommand(_buffer, commandAndArgs);
        Count++;
    }

    public void Clear()
    {
        _buffer.ResetWrittenCount();
        Count = 0;
    }
}
