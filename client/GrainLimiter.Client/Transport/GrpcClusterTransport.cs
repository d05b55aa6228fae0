using Grpc.Core;
using Grpc.Health.V1;
using GrainLimiter.Protocol.V1;

namespace GrainLimiter.Client.Transport;

/// <summary>The cluster over gRPC (Grpc.Net.Client): one channel per silo, failing over to the next silo when one cannot answer.</summary>
/// <remarks>Every call carries the client's deadline (sent as <c>grpc-timeout</c>), counted once across the failover attempts.</remarks>
internal sealed class GrpcClusterTransport(IEnumerable<Uri> endpoints, TimeSpan deadline, int maxMessageBytes) : IClusterTransport
{
    private readonly SiloEndpointSet _silos = new(endpoints, maxMessageBytes);

    public ValueTask<CheckResponse> CheckAsync(CheckRequest request, CancellationToken cancellationToken) =>
        FailoverAsync(static (client, request, options) => client.CheckAsync(request, options), request, cancellationToken);

    public ValueTask<DecisionResponse> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken) =>
        FailoverAsync(static (client, request, options) => client.ReserveAsync(request, options), request, cancellationToken);

    public ValueTask<DecisionResponse> AcquireAsync(AcquireRequest request, CancellationToken cancellationToken) =>
        FailoverAsync(static (client, request, options) => client.AcquireAsync(request, options), request, cancellationToken);

    public ValueTask<DecisionResponse> ReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken) =>
        FailoverAsync(static (client, request, options) => client.ReleaseAsync(request, options), request, cancellationToken);

    public ValueTask<DecisionResponse> GetAsync(GetRequest request, CancellationToken cancellationToken) =>
        FailoverAsync(static (client, request, options) => client.GetAsync(request, options), request, cancellationToken);

    public ValueTask<DecisionResponse> PauseAsync(PauseRequest request, CancellationToken cancellationToken) =>
        FailoverAsync(static (client, request, options) => client.PauseAsync(request, options), request, cancellationToken);

    public async Task<int> WarmUpAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var warmed = new Task<bool>[_silos.Count];
        for (var i = 0; i < warmed.Length; i++)
        {
            warmed[i] = WarmUpAsync(_silos[i], DateTime.UtcNow + timeout, deadline.Token);
        }

        var serving = await Task.WhenAll(warmed).ConfigureAwait(false);
        return serving.Count(static s => s);
    }

    private static async Task<bool> WarmUpAsync(SiloChannel silo, DateTime deadline, CancellationToken cancellationToken)
    {
        try
        {
            await silo.Channel.ConnectAsync(cancellationToken).ConfigureAwait(false);
            var options = new CallOptions(deadline: deadline, cancellationToken: cancellationToken);
            var health = await silo.Health.CheckAsync(new HealthCheckRequest(), options).ConfigureAwait(false);
            try
            {
                // Runs the decision path once on both ends (an empty Check is refused and charges nothing), so the first
                // real decision does not pay for it inside its short deadline.
                await silo.Limiter.CheckAsync(new CheckRequest(), options).ConfigureAwait(false);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
            {
            }

            return health.Status == HealthCheckResponse.Types.ServingStatus.Serving;
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or HttpRequestException or IOException)
        {
            return false;
        }
    }

    /// <summary>Tries each silo in turn, starting with the preferred one, until one answers or the deadline passes.</summary>
    private async ValueTask<TResponse> FailoverAsync<TRequest, TResponse>(
        Func<Limiter.LimiterClient, TRequest, CallOptions, AsyncUnaryCall<TResponse>> call, TRequest request, CancellationToken cancellationToken)
    {
        var options = new CallOptions(deadline: DateTime.UtcNow + deadline, cancellationToken: cancellationToken);
        var first = _silos.Preferred;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await call(_silos[first + attempt].Limiter, request, options).ResponseAsync.ConfigureAwait(false);
            }
            catch (Exception e) when (IsSiloFailure(e))
            {
                _silos.MarkFailed(first + attempt);
                if (attempt + 1 >= _silos.Count || cancellationToken.IsCancellationRequested || DateTime.UtcNow >= options.Deadline)
                {
                    throw;
                }
            }
        }
    }

    // A failure of this silo (not of the request): another silo may answer. A timeout also demotes the silo that was slow.
    private static bool IsSiloFailure(Exception e) =>
        e is HttpRequestException or IOException or OperationCanceledException
        || (e is RpcException status && status.StatusCode is StatusCode.Unavailable or StatusCode.Unimplemented or StatusCode.Unknown or StatusCode.DeadlineExceeded);

    public bool IsOutage(Exception exception) => exception switch
    {
        RpcException e => e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown
            or StatusCode.Aborted or StatusCode.ResourceExhausted or StatusCode.Unimplemented or StatusCode.Cancelled,
        // With ThrowOperationCanceledOnCancellation, the call's own deadline passing surfaces as a cancellation too
        // (the caller's cancellations never get here: the client rethrows them first).
        HttpRequestException or IOException or OperationCanceledException => true,
        _ => false,
    };

    public void Dispose() => _silos.Dispose();
}
