using System.Buffers;
using System.Text;
using GrainLimiter.Silo.Storage.Redis;

namespace GrainLimiter.Silo.Tests.Storage.Redis;

public sealed class RespWriterTests
{
    [Fact]
    public void CommandIsAnArrayOfBulkStrings()
    {
        var buffer = new ArrayBufferWriter<byte>();
        byte[] value = [0, 13, 10];

        RespWriter.WriteCommand(buffer, ["SET", "clé", value, "PX", 1500L, -7L]);

        Assert.Equal(
            "*6\r\n$3\r\nSET\r\n$4\r\nclé\r\n$3\r\n\0\r\n\r\n$2\r\nPX\r\n$4\r\n1500\r\n$2\r\n-7\r\n",
            Encoding.UTF8.GetString(buffer.WrittenSpan));
    }

    [Fact]
    public void WrittenCommandParsesBackAsTheSameArguments()
    {
        var buffer = new ArrayBufferWriter<byte>();
        RespWriter.WriteCommand(buffer, ["HSET", "", long.MinValue, new string('x', 10_000)]);

        var sequence = new ReadOnlySequence<byte>(buffer.WrittenMemory);
        Assert.True(new RespParser().TryParse(ref sequence, out RespValue parsed));

        Assert.Equal(["HSET", "", long.MinValue.ToString(System.Globalization.CultureInfo.InvariantCulture), new string('x', 10_000)],
            parsed.AsArray()!.Select(v => v.AsString()));
    }

    [Fact]
    public void EmptyCommandIsRefused() =>
        Assert.Throws<ArgumentException>(() => RespWriter.WriteCommand(new ArrayBufferWriter<byte>(), []));
}
