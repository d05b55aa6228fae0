using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Protocol.V1;
using GrainLimiter.Silo.Fronts.Grpc;
using Google.Protobuf;
using Grpc.Core;
using Orleans.Concurrency;
using CheckRequest = GrainLimiter.Protocol.V1.CheckRequest;

namespace GrainLimiter.Silo.Fronts.Orleans;

/// <summary>The Limiter API for Orleans clients (<see cref="ILimiterFrontGrain"/>): each call runs the gRPC front's own
/// <see cref="LimiterService"/> method, so validation, all-or-nothing checks, refunds, windows and metrics are the same code.</summary>
/// <remarks>A stateless worker: activations are local to the silo the client's message reaches and hold no key state
/// (one per core by default, as many turns in parallel).</remarks>
[StatelessWorker]
internal sealed class LimiterFrontGrain(LimiterService limiter) : Grain, ILimiterFrontGrain
{
    private static readonly byte[] Empty = [];

    public async ValueTask<FrontAnswer> CallAsync(LimiterMethod method, byte[] request)
    {
        try
        {
            IMessage response = method switch
            {
                LimiterMethod.Check => await limiter.CheckAsync(CheckRequest.Parser.ParseFrom(request), CancellationToken.None).ConfigureAwait(true),
                LimiterMethod.Reserve => await limiter.ReserveAsync(ReserveRequest.Parser.ParseFrom(request), CancellationToken.None).ConfigureAwait(true),
                LimiterMethod.Acquire => await limiter.AcquireAsync(AcquireRequest.Parser.ParseFrom(request), CancellationToken.None).ConfigureAwait(true),
                LimiterMethod.Release => await limiter.ReleaseAsync(ReleaseRequest.Parser.ParseFrom(request), CancellationToken.None).ConfigureAwait(true),
                LimiterMethod.Get => await limiter.GetAsync(GetRequest.Parser.ParseFrom(request), CancellationToken.None).ConfigureAwait(true),
                LimiterMethod.Pause => await limiter.PauseAsync(PauseRequest.Parser.ParseFrom(request), CancellationToken.None).ConfigureAwait(true),
                _ => throw new RpcException(new Status(StatusCode.Unimplemented, $"unknown Limiter method {(int)method}.")),
            };
            return new FrontAnswer((int)StatusCode.OK, response.ToByteArray());
        }
        catch (RpcException e)
        {
            return new FrontAnswer((int)e.StatusCode, Empty, e.Status.Detail);
        }
        catch (InvalidProtocolBufferException e)
        {
            return new FrontAnswer((int)StatusCode.InvalidArgument, Empty, $"body: not a valid {method} request message ({e.Message}).");
        }
    }
}
