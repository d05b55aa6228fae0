// Peer transport only (moved from interfaces/Grpc when the fronts moved to Grpc.AspNetCore); deleted with the Orleans port.
namespace GrainLimiter.Grpc;

/// <summary>A call ended with a non-OK gRPC status; the message is what goes into <c>grpc-message</c>.</summary>
public sealed class GrpcStatusException(GrpcStatusCode status, string message) : Exception(message)
{
    public GrpcStatusCode Status { get; } = status;
}
