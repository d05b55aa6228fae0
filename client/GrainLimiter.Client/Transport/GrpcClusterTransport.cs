using GrainLimiter.Adaptive;
using GrainLimiter.Client.Decisions;
using GrainLimiter.Client.Resilience;
using GrainLimiter.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;

namespace GrainLimiter.Client.Transport;

/// <summary>The cluster over gRPC (Grpc.Net.Client): one channel per silo, failing over to the next silo when one cannot answer.</summary>
/// <remarks>Checks go through the silo's batcher (<see cref="SiloChannel.Checks"/>) unless batching is off; every other call carries the
/// client's deadline (sent as <c>grpc-timeout</c>), counted once across the failover attempts.</remarks>
internal sealed class GrpcClusterTransport(GrainLimiterClientOptions options, ClientMetrics metrics) : IClusterTransport
{
    private readonly SiloEndpointSet _silos = new(options.Endpoints, options, metrics);

    public ValueTask<ClusterCheckOutcome> CheckAsync(LimitCheck[] checks, CancellationToken cancellationToken)
    {
        // One id per check, the same on every silo it is tried on: a silo that charged it but answered too late (or whose connection
        // broke once it was sent) is not charged twice when the next silo is asked.
        var requestId = options.RequestIds && checks.Length > 0 ? Guid.NewGuid().ToString("N") : null;
        return FailoverAsync(static (silo, state, call) => silo.Checks is { } batcher
            ? new ValueTask<ClusterCheckOutcome>(batcher.CheckAsync(state.Checks, call.CancellationToken, state.RequestId).WaitAsync(call.CancellationToken))
            : state.Transport.OneCheckAsync(silo, state.Checks, state.RequestId, call),
            (Transport: this, Checks: checks, RequestId: requestId), cancellationToken,
            attemptTimeout: requestId is null ? null : options.AttemptTimeout);
    }

    public ValueTask<ClusterDecision> ReserveAsync(string policy, string key, long cost, CancellationToken cancellationToken) =>
        DecideAsync(static (silo, request, call) => silo.Limiter.ReserveAsync(request, call),
            new ReserveRequest { Policy = policy, Key = key, Cost = cost }, cancellationToken);

    public ValueTask<ClusterDecision> AcquireAsync(string policy, string key, CancellationToken cancellationToken) =>
        DecideAsync(static (silo, request, call) => silo.Limiter.AcquireAsync(request, call),
            new AcquireRequest { Policy = policy, Key = key }, cancellationToken);

    public ValueTask<ClusterDecision> ReleaseAsync(string policy, string key, long leaseId, CancellationToken cancellationToken) =>
        DecideAsync(static (silo, request, call) => silo.Limiter.ReleaseAsync(request, call),
            new ReleaseRequest { Policy = policy, Key = key, LeaseId = leaseId }, cancellationToken);

    public ValueTask<ClusterDecision> GetAsync(string policy, string key, CancellationToken cancellationToken) =>
        DecideAsync(static (silo, request, call) => silo.Limiter.GetAsync(request, call), new GetRequest { Policy = policy, Key = key }, cancellationToken);

    public ValueTask<ClusterDecision> PauseAsync(string policy, string key, TimeSpan pauseFor, CancellationToken cancellationToken) =>
        DecideAsync(static (silo, request, call) => silo.Limiter.PauseAsync(request, call),
            new PauseRequest { Policy = policy, Key = key, PauseFor = Duration.FromTimeSpan(pauseFor) }, cancellationToken);

    /// <summary>A unary Report, failing over like the decisions but within the report deadline (a batch of outcomes is no
    /// gateway's critical path, and its keys' grains are called in parallel on the silo).</summary>
    public async ValueTask<int> ReportAsync(RequestOutcome[] outcomes, CancellationToken cancellationToken)
    {
        var response = await FailoverAsync(
            static async (silo, request, call) => await silo.Limiter.ReportAsync(request, call).ResponseAsync.ConfigureAwait(false),
            OutcomeMapping.ToProto(outcomes), cancellationToken, options.ReportDeadline).ConfigureAwait(false);
        return response.Accepted;
    }

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
                // real decision does not pay for it inside its short deadline; through the batcher, this opens the check stream.
                if (silo.Checks is { } batcher)
                {
                    await batcher.CheckAsync([], cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await silo.Limiter.CheckAsync(new CheckRequest(), options).ResponseAsync.ConfigureAwait(false);
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.InvalidArgument)
            {
            }

            return health.Status == HealthCheckResponse.Types.ServingStatus.Serving;
        }
        catch (Exception e) when (e is RpcException or OperationCanceledException or HttpRequestException or IOException or TimeoutException)
        {
            return false;
        }
    }

    private async ValueTask<ClusterDecision> DecideAsync<TRequest>(Func<SiloChannel, TRequest, CallOptions, AsyncUnaryCall<DecisionResponse>> call,
        TRequest request,
        CancellationToken cancellationToken)
    {
        var response = await FailoverAsync(
            static async (silo, state, options) => await state.Call(silo, state.Request, options).ResponseAsync.ConfigureAwait(false),
            (Call: call, Request: request), cancellationToken).ConfigureAwait(false);
        return DecisionMapping.ToDecision(response.Decision);
    }

    // Batching off: one Check call per check.
    private async ValueTask<ClusterCheckOutcome> OneCheckAsync(SiloChannel silo, LimitCheck[] checks, string? requestId, CallOptions call)
    {
        metrics.BatchSent(1);
        return DecisionMapping.ToOutcome(await silo.Limiter.CheckAsync(DecisionMapping.ToProto(checks, requestId), call).ResponseAsync.ConfigureAwait(false));
    }

    /// <summary>Tries each silo in turn, starting with the preferred one, until one answers or the deadline passes.</summary>
    /// <param name="attemptTimeout">How long each silo but the last may take before the next is tried (only for calls a retry cannot
    /// charge twice: checks with a request id); null: each may take what is left of the deadline.</param>
    private async ValueTask<TResponse> FailoverAsync<TRequest, TResponse>(Func<SiloChannel, TRequest, CallOptions, ValueTask<TResponse>> call, TRequest request,
        CancellationToken cancellationToken, TimeSpan? within = null, TimeSpan? attemptTimeout = null)
    {
        var deadline = new CallOptions(deadline: DateTime.UtcNow + (within ?? options.Deadline), cancellationToken: cancellationToken);
        var first = _silos.Preferred;
        for (var attempt = 0; ; attempt++)
        {
            using var slow = attemptTimeout is not null && attempt + 1 < _silos.Count
                ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken)
                : null;
            slow?.CancelAfter(attemptTimeout!.Value);
            try
            {
                return await call(_silos[first + attempt], request, slow is null ? deadline : deadline.WithCancellationToken(slow.Token)).ConfigureAwait(false);
            }
            catch (Exception e) when (IsSiloFailure(e))
            {
                _silos.MarkFailed(first + attempt);
                if (attempt + 1 >= _silos.Count || cancellationToken.IsCancellationRequested || DateTime.UtcNow >= deadline.Deadline)
                {
                    throw;
                }
            }
        }
    }

    // A failure of this silo (not of the request): another silo may answer. A timeout also demotes the silo that was slow.
    private static bool IsSiloFailure(Exception e) =>
        e is HttpRequestException or IOException or OperationCanceledException or TimeoutException
        || (e is RpcException status
            && status.StatusCode is StatusCode.Unavailable or StatusCode.Unimplemented or StatusCode.Unknown or StatusCode.DeadlineExceeded);

    public bool IsOutage(Exception exception) => exception switch
    {
        RpcException e => e.StatusCode is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.Internal or StatusCode.Unknown
            or StatusCode.Aborted or StatusCode.ResourceExhausted or StatusCode.Unimplemented or StatusCode.Cancelled,
        // With ThrowOperationCanceledOnCancellation, the call's own deadline passing surfaces as a cancellation too
        // (the caller's cancellations never get here: the client rethrows them first).
        HttpRequestException or IOException or OperationCanceledException or TimeoutException => true,
        _ => false,
    };

    public void Dispose() => _silos.Dispose();
}
