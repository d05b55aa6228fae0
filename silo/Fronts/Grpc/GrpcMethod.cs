using System.Buffers;
using Google.Protobuf;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>One unary method: parses the request bytes, runs the handler, returns the response message.</summary>
internal abstract class GrpcMethod(string path)
{
    /// <summary>The HTTP/2 path, <c>/package.Service/Method</c>.</summary>
    public string Path { get; } = path;

    public abstract ValueTask<IMessage> InvokeAsync(ReadOnlySequence<byte> request, CancellationToken cancellationToken);
}

/// <summary>A unary method with typed request and response.</summary>
internal sealed class GrpcMethod<TRequest, TResponse>(
    string path,
    MessageParser<TRequest> parser,
    Func<TRequest, CancellationToken, ValueTask<TResponse>> handler) : GrpcMethod(path)
    where TRequest : IMessage<TRequest>
    where TResponse : IMessage<TResponse>
{
    public override async ValueTask<IMessage> InvokeAsync(ReadOnlySequence<byte> request, CancellationToken cancellationToken)
    {
        TRequest message;
        try
        {
            message = parser.ParseFrom(request);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new GrainLimiter.Grpc.GrpcStatusException(GrainLimiter.Grpc.GrpcStatusCode.InvalidArgument,
                $"request is not a valid {typeof(TRequest).Name} protobuf message: {e.Message}");
        }

        return await handler(message, cancellationToken).ConfigureAwait(false);
    }
}
