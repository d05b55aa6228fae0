using GrainLimiter.Decisions;

namespace GrainLimiter.Grains;

/// <summary>The <c>grainlimiter.v1.Limiter</c> API for Orleans clients, reached with no gRPC hop: the silo runs each call through
/// the very code its gRPC front runs (validation, all-or-nothing checks and refunds, shadow mode, metrics).</summary>
/// <remarks>
/// A stateless worker, local to the silo whose gateway the client's message reaches (use grain id 0); it holds no key state
/// and calls each key's <see cref="ILimitGrain"/>. Requests and responses are the Limiter's protobuf messages, so both
/// transports answer byte for byte alike; bad input comes back as <see cref="FrontAnswer.Status"/>, never as an exception.
/// </remarks>
[Alias("GrainLimiter.ILimiterFrontGrain")]
public interface ILimiterFrontGrain : IGrainWithIntegerKey
{
    /// <summary>Runs one Limiter method on a serialized request message (e.g. <c>CheckRequest</c> for <see cref="LimiterMethod.Check"/>).</summary>
    [Alias("Call")]
    ValueTask<FrontAnswer> CallAsync(LimiterMethod method, byte[] request);
}
