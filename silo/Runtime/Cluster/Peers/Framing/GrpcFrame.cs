using System.Buffers;

// Peer transport only (moved from interfaces/Grpc when the fronts moved to Grpc.AspNetCore); deleted with the Orleans port.
namespace GrainLimiter.Grpc;

/// <summary>One length-prefixed gRPC message as it arrived: its payload and whether it is compressed.</summary>
public readonly record struct GrpcFrame(bool Compressed, ReadOnlySequence<byte> Payload);

/// <summary>What reading a frame from buffered bytes gave.</summary>
public enum GrpcFrameReadResult
{
    /// <summary>A whole frame was read and removed from the buffer.</summary>
    Frame,
    /// <summary>The buffer holds only part of a frame; read more bytes and try again.</summary>
    Incomplete,
    /// <summary>The length prefix announces more than the maximum message size.</summary>
    TooLarge,
    /// <summary>The compressed flag is neither 0 nor 1.</summary>
    BadFlag,
}
