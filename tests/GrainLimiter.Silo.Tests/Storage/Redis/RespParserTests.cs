using System.Buffers;
using System.Text;
using GrainLimiter.Silo.Storage.Redis;

namespace GrainLimiter.Silo.Tests.Storage.Redis;

public sealed class RespParserTests
{
    private const string EveryType =
        "+OK\r\n" +
        "-ERR wrong type\r\n" +
        ":-42\r\n" +
        "$5\r\nhello\r\n" +
        "$0\r\n\r\n" +
        "$-1\r\n" +
        "*-1\r\n" +
        "*0\r\n" +
        "*3\r\n:1\r\n*2\r\n$1\r\na\r\n*1\r\n+deep\r\n$-1\r\n";

    [Fact]
    public void ParsesEveryRespTwoType()
    {
        List<RespValue> values = ParseAll(Encoding.ASCII.GetBytes(EveryType));

        Assert.Equal(9, values.Count);
        Assert.Equal(RespType.SimpleString, values[0].Type);
        Assert.Equal("OK", values[0].AsString());
        Assert.True(values[1].IsError);
        Assert.Equal("ERR wrong type", values[1].AsString());
        Assert.Equal(-42, values[2].Integer);
        Assert.Equal("hello", values[3].AsString());
        Assert.Empty(values[4].AsBytes()!);
        Assert.True(values[5].IsNull);
        Assert.True(values[6].IsNull);
        Assert.Empty(values[7].AsArray()!);
        AssertNested(values[8]);
    }

    [Fact]
    public void NestedArraysKeepTheirShape() => AssertNested(ParseAll("*3\r\n:1\r\n*2\r\n$1\r\na\r\n*1\r\n+deep\r\n$-1\r\n"u8.ToArray()).Single());

    [Fact]
    public void BulkStringsAreBinarySafe()
    {
        byte[] payload = [0, 13, 10, 255, (byte)'$', (byte)'*'];
        byte[] wire = [.. "$6\r\n"u8, .. payload, .. "\r\n"u8];

        Assert.Equal(payload, ParseAll(wire).Single().AsBytes());
    }

    [Fact]
    public void ExtremeIntegersParse()
    {
        List<RespValue> values = ParseAll(":9223372036854775807\r\n:-9223372036854775808\r\n:0\r\n"u8.ToArray());

        Assert.Equal([long.MaxValue, long.MinValue, 0], values.Select(v => v.Integer));
    }

    [Fact]
    public void EveryByteByByteSplitGivesTheSameReplies()
    {
        byte[] wire = Encoding.ASCII.GetBytes(EveryType);
        string expected = string.Join("|", ParseAll(wire));

        var parser = new RespParser();
        var pending = new List<byte>();
        var values = new List<RespValue>();
        foreach (byte b in wire)
        {
            pending.Add(b);
            var buffer = new ReadOnlySequence<byte>(pending.ToArray());
            while (parser.TryParse(ref buffer, out RespValue value))
            {
                values.Add(value);
            }

            pending.RemoveRange(0, pending.Count - (int)buffer.Length);
        }

        Assert.Empty(pending);
        Assert.Equal(expected, string.Join("|", values));
    }

    [Fact]
    public void EverySplitIntoTwoSegmentsGivesTheSameReplies()
    {
        byte[] wire = Encoding.ASCII.GetBytes(EveryType);
        string expected = string.Join("|", ParseAll(wire));

        for (int split = 1; split < wire.Length; split++)
        {
            ReadOnlySequence<byte> buffer = TwoSegments(wire, split);
            var parser = new RespParser();
            var values = new List<RespValue>();
            while (parser.TryParse(ref buffer, out RespValue value))
            {
                values.Add(value);
            }

            Assert.Equal(0, buffer.Length);
            Assert.Equal(expected, string.Join("|", values));
        }
    }

    [Theory]
    [InlineData("+OK")]
    [InlineData("+OK\r")]
    [InlineData("$5\r\nhel")]
    [InlineData("$5\r\nhello\r")]
    [InlineData("*2\r\n:1\r\n")]
    [InlineData("*2\r\n*1\r\n$3\r\nab")]
    [InlineData(":12")]
    public void TruncatedReplyWaitsForMoreBytes(string wire)
    {
        var parser = new RespParser();
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire));

        Assert.False(parser.TryParse(ref buffer, out _));
        Assert.Equal(wire.Length, buffer.Length);
    }

    [Theory]
    [InlineData("hello\r\n", "Unknown RESP2 type byte")]
    [InlineData("\r\n", "Unknown RESP2 type byte")]
    [InlineData("%1\r\n", "Unknown RESP2 type byte")]
    [InlineData(":12a\r\n", "non-digit")]
    [InlineData(":\r\n", "integer of 0 characters")]
    [InlineData(":-\r\n", "without digits")]
    [InlineData(":99999999999999999999\r\n", "overflows")]
    [InlineData(":9223372036854775808\r\n", "overflows")]
    [InlineData("$-2\r\n", "out of range")]
    [InlineData("$3\r\nhello\r\n", "not followed by CRLF")]
    [InlineData("$x\r\nab\r\n", "non-digit")]
    [InlineData("*-5\r\n", "out of range")]
    [InlineData("+OK\n", "LF without CR")]
    [InlineData("*1\r\n!\r\n", "Unknown RESP2 type byte")]
    public void MalformedReplyThrowsProtocolException(string wire, string reason)
    {
        var parser = new RespParser();
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire));

        var error = Assert.Throws<RedisProtocolException>(() => parser.TryParse(ref buffer, out _));
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GarbageIsRejectedAtItsFirstByteEvenWithoutCrLf()
    {
        var parser = new RespParser();
        var buffer = new ReadOnlySequence<byte>("GARBAGE WITHOUT NEWLINE"u8.ToArray());

        Assert.Throws<RedisProtocolException>(() => parser.TryParse(ref buffer, out _));
    }

    [Fact]
    public void RandomGarbageNeverEscapesAsAnotherException()
    {
        var random = new Random(1234);
        for (int i = 0; i < 5_000; i++)
        {
            byte[] wire = new byte[random.Next(1, 40)];
            random.NextBytes(wire);
            if (i % 2 == 0)
            {
                wire[0] = "+-:$*"u8[random.Next(5)]; // plausible start, garbage after
            }

            var parser = new RespParser();
            var buffer = new ReadOnlySequence<byte>(wire);
            try
            {
                while (parser.TryParse(ref buffer, out _))
                {
                }
            }
            catch (RedisProtocolException)
            {
            }
        }
    }

    [Fact]
    public void LineWithoutCrLfBeyondTheLimitIsRejected()
    {
        var parser = new RespParser();
        byte[] wire = [(byte)'+', .. Enumerable.Repeat((byte)'a', RespParser.MaxLineLength + 1)];
        var buffer = new ReadOnlySequence<byte>(wire);

        var error = Assert.Throws<RedisProtocolException>(() => parser.TryParse(ref buffer, out _));
        Assert.Contains("without CRLF", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void NestingDeeperThanTheLimitIsRejected()
    {
        string wire = string.Concat(Enumerable.Repeat("*1\r\n", RespParser.MaxDepth + 1)) + ":1\r\n";
        var parser = new RespParser();
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(wire));

        Assert.Throws<RedisProtocolException>(() => parser.TryParse(ref buffer, out _));
    }

    [Fact]
    public void BulkLongerThanTheProtocolLimitIsRejectedBeforeBuffering()
    {
        var parser = new RespParser();
        var buffer = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes($"${RespParser.MaxBulkLength + 1L}\r\n"));

        Assert.Throws<RedisProtocolException>(() => parser.TryParse(ref buffer, out _));
    }

    private static void AssertNested(RespValue value)
    {
        RespValue[] outer = value.AsArray()!;
        Assert.Equal(3, outer.Length);
        Assert.Equal(1, outer[0].Integer);
        RespValue[] middle = outer[1].AsArray()!;
        Assert.Equal("a", middle[0].AsString());
        Assert.Equal("deep", middle[1].AsArray()!.Single().AsString());
        Assert.True(outer[2].IsNull);
    }

    private static List<RespValue> ParseAll(byte[] wire)
    {
        var parser = new RespParser();
        var buffer = new ReadOnlySequence<byte>(wire);
        var values = new List<RespValue>();
        while (parser.TryParse(ref buffer, out RespValue value))
        {
            values.Add(value);
        }

        Assert.Equal(0, buffer.Length);
        return values;
    }

    private static ReadOnlySequence<byte> TwoSegments(byte[] wire, int split)
    {
        var first = new Segment(wire.AsMemory(0, split), 0);
        Segment last = first.Append(wire.AsMemory(split));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
