using System.Buffers;
using System.Buffers.Text;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>Writes commands as RESP2 arrays of bulk strings straight into a buffer, without intermediate copies.</summary>
internal static class RespWriter
{
    /// <summary>Writes <c>*N\r\n</c> then each argument as <c>$len\r\npayload\r\n</c>.</summary>
    public static void WriteCommand(IBufferWriter<byte> output, ReadOnlySpan<RedisArg> commandAndArgs)
    {
        if (commandAndArgs.IsEmpty)
        {
            throw new ArgumentException("A Redis command needs at least its name.", nameof(commandAndArgs));
        }

        WriteHeader(output, (byte)'*', commandAndArgs.Length);
        foreach (RedisArg arg in commandAndArgs)
        {
            int length = arg.ByteCount;
            WriteHeader(output, (byte)'$', length);
            Span<byte> span = output.GetSpan(length + 2);
            arg.CopyTo(span);
            span[length] = (byte)'\r';
            span[length + 1] = (byte)'\n';
            output.Advance(length + 2);
        }
    }

    public static void WriteArrayHeader(IBufferWriter<byte> output, int count) => WriteHeader(output, (byte)'*', count);

    public static void WriteBulk(IBufferWriter<byte> output, ReadOnlySpan<byte> payload)
    {
        WriteHeader(output, (byte)'$', payload.Length);
        Span<byte> span = output.GetSpan(payload.Length + 2);
        payload.CopyTo(span);
        span[payload.Length] = (byte)'\r';
        span[payload.Length + 1] = (byte)'\n';
        output.Advance(payload.Length + 2);
    }

    private static void WriteHeader(IBufferWriter<byte> output, byte prefix, int value)
    {
        Span<byte> span = output.GetSpan(16);
        span[0] = prefix;
        Utf8Formatter.TryFormat(value, span[1..], out int written);
        span[written + 1] = (byte)'\r';
        span[written + 2] = (byte)'\n';
        output.Advance(written + 3);
    }
}
