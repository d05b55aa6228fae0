using System.Buffers;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using GrainLimiter.Grpc;

namespace GrainLimiter.Client.Transport;

/// <summary>The body of a unary gRPC request: one length-prefixed, uncompressed protobuf message.</summary>
/// <remarks>Serialized straight into a pooled buffer at send time, so no intermediate byte array per call.</remarks>
internal sealed class GrpcRequestContent : HttpContent
{
    private static readonly MediaTypeHeaderValue GrpcContentType = new(GrpcProtocol.ContentType);
    private readonly IMessage _message;
    private readonly int _size;

    public GrpcRequestContent(IMessage message)
    {
        _message = message;
        _size = message.CalculateSize();
        Headers.ContentType = GrpcContentType;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        var length = GrpcProtocol.FrameHeaderLength + _size;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            GrpcFraming.WriteHeader(buffer, _size, compressed: false);
            _message.WriteTo(buffer.AsSpan(GrpcProtocol.FrameHeaderLength, _size));
            await stream.WriteAsync(buffer.AsMemory(0, length), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = GrpcProtocol.FrameHeaderLength + _size;
        return true;
    }
}
