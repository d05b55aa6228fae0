namespace GrainLimiter.Decisions;

/// <summary>What <see cref="Grains.ILimiterFrontGrain"/> answers: the serialized response message, or the gRPC status the gRPC
/// front would have sent instead (INVALID_ARGUMENT naming the field, FAILED_PRECONDITION).</summary>
/// <param name="Status">A <c>Grpc.Core.StatusCode</c> value; 0 (OK) when <paramref name="Response"/> holds the answer.</param>
/// <param name="Response">The serialized response (<c>CheckResponse</c> or <c>DecisionResponse</c>); empty on an error.</param>
/// <param name="Detail">The status message on an error.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.FrontAnswer")]
public sealed record FrontAnswer([property: Id(0)] int Status, [property: Id(1)] byte[] Response, [property: Id(2)] string? Detail = null);

/// <summary>The methods of <c>grainlimiter.v1.Limiter</c>.</summary>
[GenerateSerializer, Alias("GrainLimiter.LimiterMethod")]
public enum LimiterMethod
{
    /// <summary>CheckRequest → CheckResponse.</summary>
    Check,

    /// <summary>ReserveRequest → DecisionResponse.</summary>
    Reserve,

    /// <summary>AcquireRequest → DecisionResponse.</summary>
    Acquire,

    /// <summary>ReleaseRequest → DecisionResponse.</summary>
    Release,

    /// <summary>GetRequest → DecisionResponse.</summary>
    Get,

    /// <summary>PauseRequest → DecisionResponse.</summary>
    Pause,
}
