using System.Buffers;
using System.Buffers.Binary;
using Google.Protobuf;

// Peer transport only (moved from interfaces/Grpc when the fronts moved to Grpc.AspNetCore); deleted with the Orleans port.
namespace GrainLimiter.Grpc;

/// <summary>The gRPC message framing: a 1-byte compressed flag, a 4-byte big-endian length, then the payload.</summary>
/// <remarks>Used by both ends of the peer transport, so they read and write frames the same way.</remarks>
public static class GrpcFraming
{
    /// <summary>Reads one frame from the start of <paramref name="buffer"/>, advancing it past the frame when one is complete.</summary>
    /// <param name="maxMessageBytes">Largest payload accepted; a larger announced length is <see cref="GrpcFrameReadResult.TooLarge"/>
    /// before any of the payload is buffered.</param>
    /// <param name="announcedLength">The length in the prefix, once the prefix has arrived; -1 otherwise.</param>
    public static GrpcFrameReadResult TryRead(ref ReadOnlySequence<byte> buffer, int maxMessageBytes, out GrpcFrame frame, out long announcedLength)
    {
        frame = default;
        announcedLength = -1;
        if (buffer.Length < GrpcProtocol.FrameHeaderLength)
        {
            return GrpcFrameReadResult.Incomplete;
        }

        Span<byte> header = stackalloc byte[GrpcProtocol.FrameHeaderLength];
        buffer.Slice(0, GrpcProtocol.FrameHeaderLength).CopyTo(header);
        var flag = header[0];
        announcedLength = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
        if (flag > 1)
        {
            return GrpcFrameReadResult.BadFlag;
        }

        if (announcedLength > maxMessageBytes)
        {
            return GrpcFrameReadResult.TooLarge;
        }

        if (buffer.Length - GrpcProtocol.FrameHeaderLength < announcedLength)
        {
            return GrpcFrameReadResult.Incomplete;
        }

        frame = new GrpcFrame(flag == 1, buffer.Slice(GrpcProtocol.FrameHeaderLength, announcedLength));
        buffer = buffer.Slice(GrpcProtocol.FrameHeaderLength + announcedLength);
        return GrpcFrameReadResult.Frame;
    }

    /// <summary>Writes one frame holding <paramref name="payload"/> (already compressed when <paramref name="compressed"/>).</summary>
    public static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> payload, bool compressed)
    {
        var span = output.GetSpan(GrpcProtocol.FrameHeaderLength + payload.Length);
        WriteHeader(span, payload.Length, compressed);
        payload.CopyTo(span[GrpcProtocol.FrameHeaderLength..]);
        output.Advance(GrpcProtocol.FrameHeaderLength + payload.Length);
    }

    /// <summary>Serializes <paramref name="message"/> into one frame, gzip-compressed when <paramref name="gzip"/>.</summary>
    public static void WriteMessage(IBufferWriter<byte> output, IMessage message, bool gzip)
    {
        if (gzip)
        {
            Write(output, GrpcGzip.Compress(message.ToByteArray()), compressed: true);
            return;
        }

        var size = message.CalculateSize();
        var span = output.GetSpan(GrpcProtocol.FrameHeaderLength + size);
        WriteHeader(span, size, compressed: false);
        message.WriteTo(span.Slice(GrpcProtocol.FrameHeaderLength, size));
        output.Advance(GrpcProtocol.FrameHeaderLength + size);
    }

    /// <summary>The five prefix bytes of a frame.</summary>
    public static void WriteHeader(Span<byte> destination, int length, bool compressed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..], (uint)length);
    }

    /// <summary>The payload of a frame as plain protobuf bytes: decompressed with <paramref name="encoding"/> when flagged.</summary>
    /// <exception cref="GrpcStatusException">INTERNAL when a compressed frame arrives without an encoding,
    /// RESOURCE_EXHAUSTED when it inflates beyond <paramref name="maxMessageBytes"/>, INVALID_ARGUMENT when it is not valid gzip.</exception>
    public static ReadOnlySequence<byte> Decode(in GrpcFrame frame, string encoding, int maxMessageBytes)
    {
        if (!frame.Compressed)
        {
            return frame.Payload;
        }

        if (!string.Equals(encoding, GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase))
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, "message is flagged compressed but grpc-encoding is 'identity'.");
        }

        return new ReadOnlySequence<byte>(GrpcGzip.Decompress(frame.Payload, maxMessageBytes));
    }
}
