using System.Buffers;
using System.IO.Compression;
using GrainLimiter.Grpc;
using GrainLimiter.Protocol.V1;

namespace GrainLimiter.Silo.Tests.Fronts.Grpc;

/// <summary>The shared framing of interfaces/Grpc: what the silo and the client both read and write.</summary>
public sealed class GrpcFramingTests
{
    private static readonly CheckRequest Sample = new() { Checks = { new Hit { Policy = "p", Key = "k", Cost = 2 } } };

    [Fact]
    public void Written_message_reads_back_as_one_frame()
    {
        var output = new ArrayBufferWriter<byte>();
        GrpcFraming.WriteMessage(output, Sample, gzip: false);
        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);

        Assert.Equal(GrpcFrameReadResult.Frame, GrpcFraming.TryRead(ref buffer, 1024, out var frame, out var length));
        Assert.False(frame.Compressed);
        Assert.Equal(Sample.CalculateSize(), length);
        Assert.Equal(Sample, CheckRequest.Parser.ParseFrom(frame.Payload));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Frame_split_across_segments_is_read_whole_and_partial_bytes_are_incomplete()
    {
        var output = new ArrayBufferWriter<byte>();
        GrpcFraming.WriteMessage(output, Sample, gzip: false);
        var bytes = output.WrittenSpan.ToArray();
        // Split inside the header and inside the payload.
        var whole = Segments(bytes[..2], bytes[2..7], bytes[7..]);
        Assert.Equal(GrpcFrameReadResult.Frame, GrpcFraming.TryRead(ref whole, 1024, out var frame, out _));
        Assert.Equal(Sample, CheckRequest.Parser.ParseFrom(frame.Payload));

        var headerOnly = Segments(bytes[..3]);
        Assert.Equal(GrpcFrameReadResult.Incomplete, GrpcFraming.TryRead(ref headerOnly, 1024, out _, out var unknown));
        Assert.Equal(-1, unknown);

        var partial = Segments(bytes[..4], bytes[4..^1]);
        Assert.Equal(GrpcFrameReadResult.Incomplete, GrpcFraming.TryRead(ref partial, 1024, out _, out var announced));
        Assert.Equal(bytes.Length - 5, announced);
        Assert.Equal(bytes.Length - 1, partial.Length);
    }

    [Fact]
    public void Two_frames_are_read_one_at_a_time()
    {
        var output = new ArrayBufferWriter<byte>();
        GrpcFraming.WriteMessage(output, Sample, gzip: false);
        GrpcFraming.Write(output, [1, 2, 3], compressed: false);
        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);

        Assert.Equal(GrpcFrameReadResult.Frame, GrpcFraming.TryRead(ref buffer, 1024, out _, out _));
        Assert.Equal(GrpcFrameReadResult.Frame, GrpcFraming.TryRead(ref buffer, 1024, out var second, out _));
        Assert.Equal(new byte[] { 1, 2, 3 }, second.Payload.ToArray());
        Assert.Equal(GrpcFrameReadResult.Incomplete, GrpcFraming.TryRead(ref buffer, 1024, out _, out _));
    }

    [Fact]
    public void Compressed_flag_is_set_for_gzip_and_decoding_inflates()
    {
        var output = new ArrayBufferWriter<byte>();
        GrpcFraming.WriteMessage(output, Sample, gzip: true);
        Assert.Equal(1, output.WrittenSpan[0]);
        var buffer = new ReadOnlySequence<byte>(output.WrittenMemory);
        GrpcFraming.TryRead(ref buffer, 1024, out var frame, out _);

        Assert.True(frame.Compressed);
        Assert.Equal(Sample, CheckRequest.Parser.ParseFrom(GrpcFraming.Decode(frame, "gzip", 1024)));
        var identity = Assert.Throws<GrpcStatusException>(() => GrpcFraming.Decode(frame, "identity", 1024));
        Assert.Equal(GrpcStatusCode.Internal, identity.Status);
    }

    [Fact]
    public void Flag_other_than_0_or_1_is_bad()
    {
        var buffer = new ReadOnlySequence<byte>(new byte[] { 2, 0, 0, 0, 0 });
        Assert.Equal(GrpcFrameReadResult.BadFlag, GrpcFraming.TryRead(ref buffer, 1024, out _, out _));
    }

    [Fact]
    public void Announced_length_above_the_maximum_is_too_large_before_the_payload_arrives()
    {
        var header = new byte[5];
        GrpcFraming.WriteHeader(header, 1025, compressed: false);
        var buffer = new ReadOnlySequence<byte>(header);

        Assert.Equal(GrpcFrameReadResult.TooLarge, GrpcFraming.TryRead(ref buffer, 1024, out _, out var length));
        Assert.Equal(1025, length);
        // uint.MaxValue must not wrap to a negative length.
        var huge = new ReadOnlySequence<byte>(new byte[] { 0, 0xFF, 0xFF, 0xFF, 0xFF });
        Assert.Equal(GrpcFrameReadResult.TooLarge, GrpcFraming.TryRead(ref huge, int.MaxValue, out _, out _));
    }

    [Fact]
    public void Gzip_that_inflates_beyond_the_maximum_is_resource_exhausted_and_bad_gzip_is_invalid()
    {
        var bomb = GrpcGzip.Compress(new byte[100_000]);
        Assert.True(bomb.Length < 1024);
        var tooBig = Assert.Throws<GrpcStatusException>(() => GrpcGzip.Decompress(new ReadOnlySequence<byte>(bomb), 4096));
        Assert.Equal(GrpcStatusCode.ResourceExhausted, tooBig.Status);

        var garbage = Assert.Throws<GrpcStatusException>(() => GrpcGzip.Decompress(new ReadOnlySequence<byte>([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), 4096));
        Assert.Equal(GrpcStatusCode.InvalidArgument, garbage.Status);

        using var stream = new MemoryStream();
        using (var gzip = new GZipStream(stream, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write("hello"u8);
        }

        Assert.Equal("hello"u8.ToArray(), GrpcGzip.Decompress(new ReadOnlySequence<byte>(stream.ToArray()), 5));
    }

    [Theory]
    [InlineData("1H", 36_000_000_000L)]
    [InlineData("2M", 1_200_000_000L)]
    [InlineData("3S", 30_000_000L)]
    [InlineData("250m", 2_500_000L)]
    [InlineData("7u", 70L)]
    [InlineData("150n", 2L)]
    [InlineData("1n", 1L)]
    [InlineData("0m", 0L)]
    [InlineData("99999999S", 999_999_990_000_000L)]
    public void Timeout_header_parses(string header, long ticks)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("S")]
    [InlineData("10")]
    [InlineData("10x")]
    [InlineData("-1S")]
    [InlineData("123456789S")]
    [InlineData(" 1S")]
    public void Malformed_timeout_header_is_refused(string header) => Assert.False(GrpcTimeout.TryParse(header, out _));

    [Theory]
    [InlineData(100L, "10000n")]
    [InlineData(10_000_000L, "1000000u")]
    [InlineData(36_000_000_000L, "3600000m")]
    [InlineData(864_000_000_000_000L, "86400000S")]
    public void Timeout_formats_within_8_digits_and_round_trips(long ticks, string expected)
    {
        var formatted = GrpcTimeout.Format(TimeSpan.FromTicks(ticks));
        Assert.Equal(expected, formatted);
        Assert.True(GrpcTimeout.TryParse(formatted, out var back));
        Assert.True(back.Ticks >= ticks);
    }

    [Fact]
    public void Status_message_is_percent_encoded_and_decodes_back()
    {
        const string message = "checks[0].key is 300 bytes; 100% too long — ключ\r\n";
        var encoded = GrpcStatusMessage.Encode(message);
        Assert.All(encoded, c => Assert.InRange(c, ' ', '~'));
        Assert.Contains("100%25", encoded, StringComparison.Ordinal);
        Assert.Equal(message, GrpcStatusMessage.Decode(encoded));
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc+json", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void Grpc_content_types_are_recognised(string? contentType, bool expected) =>
        Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(contentType));

    [Fact]
    public void Accept_encoding_list_is_matched_by_item()
    {
        Assert.True(GrpcProtocol.AcceptsEncoding("identity, deflate,gzip", "gzip"));
        Assert.False(GrpcProtocol.AcceptsEncoding("identity,gzipx", "gzip"));
        Assert.False(GrpcProtocol.AcceptsEncoding(null, "gzip"));
    }

    private static ReadOnlySequence<byte> Segments(params byte[][] parts)
    {
        var first = new Segment(parts[0], 0);
        var last = first;
        foreach (var part in parts.Skip(1))
        {
            last = last.Append(part);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(byte[] memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(byte[] memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
