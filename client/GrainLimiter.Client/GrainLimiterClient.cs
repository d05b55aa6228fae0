using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using GrainLimiter.Client.Decisions;
using GrainLimiter.Client.Resilience;
using GrainLimiter.Client.Transport;
using GrainLimiter.Grpc;
using GrainLimiter.Policies;
using GrainLimiter.Protocol.V1;
using Polly;

namespace GrainLimiter.Client;

/// <summary>Asks a GrainLimiter cluster for decisions over gRPC (<c>grainlimiter.v1.Limiter</c>), within a deadline.</summary>
/// <remarks>
/// Thread-safe; create one per process and share it (connections are pooled and reused). When no silo answers in time or
/// the circuit is open, a decision comes from the policy's failure mode (<see cref="GrainLimiterClientOptions.FailureModes"/>)
/// with <see cref="ClusterDecision.ClusterUnavailableReason"/>, unless <see cref="GrainLimiterClientOptions.ThrowWhenUnavailable"/>.
/// Bad input (unknown policy, empty key) is not an outage: it throws <see cref="GrpcStatusException"/> (INVALID_ARGUMENT).
/// </remarks>
public sealed class GrainLimiterClient : IDisposable
{
    private readonly GrainLimiterClientOptions _options;
    private readonly SiloEndpointSet _endpoints;
    private readonly GrpcUnaryInvoker _invoker;
    private readonly ResiliencePipeline _pipeline;
    private readonly ClientMetrics _metrics = new();
    // Formatted once: the deadline is the same for every call.
    private readonly string _grpcTimeout;

    /// <summary>A client for the silos in <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public GrainLimiterClient(GrainLimiterClientOptions options)
        : this(options, handler: null)
    {
    }

    internal GrainLimiterClient(GrainLimiterClientOptions options, HttpMessageHandler? handler)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException("GrainLimiter client options are invalid:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", problems), nameof(options));
        }

        _options = options;
        _endpoints = new SiloEndpointSet(options.Endpoints);
        _invoker = new GrpcUnaryInvoker(options.MaxMessageBytes, handler);
        _pipeline = ClusterCallPipeline.Build(options, _metrics);
        _grpcTimeout = GrpcTimeout.Format(options.Deadline);
    }

    /// <summary>The options this client was built with.</summary>
    public GrainLimiterClientOptions Options => _options;

    /// <summary>Decisions answered "allowed" by a fail-open policy because the cluster could not answer.</summary>
    public long FailOpenCount => _metrics.FailOpen;

    /// <summary>Decisions answered "denied" by a fail-closed policy because the cluster could not answer.</summary>
    public long FailClosedCount => _metrics.FailClosed;

    /// <summary>Times the circuit to the cluster opened (calls then answer from the failure mode at once).</summary>
    public long CircuitOpenings => _metrics.CircuitOpenings;

    /// <summary>Charges <paramref name="cost"/> to one key (0 peeks).</summary>
    public async ValueTask<ClusterDecision> CheckAsync(string policy, string key, long cost = 1, CancellationToken cancellationToken = default)
    {
        var request = new Protocol.V1.CheckRequest { Checks = { new Hit { Policy = policy, Key = key, Cost = cost } } };
        var (response, outage) = await CallAsync(LimiterMethod.Check, request, CheckResponse.Parser, cancellationToken).ConfigureAwait(false);
        return response is { Decisions.Count: > 0 } ? DecisionMapping.ToDecision(response.Decisions[0]) : Fallback(policy, key, outage);
    }

    /// <summary>Checks several keys at once, all or nothing: if one is denied, none is charged.</summary>
    public async ValueTask<ClusterCheckOutcome> CheckAsync(IReadOnlyList<Decisions.LimitCheck> checks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var request = new Protocol.V1.CheckRequest();
        foreach (var check in checks)
        {
            request.Checks.Add(new Hit { Policy = check.Policy, Key = check.Key, Cost = check.Cost });
        }

        var (response, outage) = await CallAsync(LimiterMethod.Check, request, CheckResponse.Parser, cancellationToken).ConfigureAwait(false);
        var decisions = new ClusterDecision[checks.Count];
        var allowed = true;
        for (var i = 0; i < decisions.Length; i++)
        {
            decisions[i] = response is not null && i < response.Decisions.Count
                ? DecisionMapping.ToDecision(response.Decisions[i])
                : Fallback(checks[i].Policy, checks[i].Key, outage);
            allowed &= decisions[i].Allowed;
        }

        return new ClusterCheckOutcome(response?.Allowed ?? allowed, decisions);
    }

    /// <summary>Reserves a slot of a leaky-bucket policy: when allowed, wait <see cref="ClusterDecision.Wait"/> before proceeding.</summary>
    public ValueTask<ClusterDecision> ReserveAsync(string policy, string key, long cost = 1, CancellationToken cancellationToken = default) =>
        DecideAsync(LimiterMethod.Reserve, new ReserveRequest { Policy = policy, Key = key, Cost = cost }, policy, key, cancellationToken);

    /// <summary>Takes a lease of a concurrency policy; pass <see cref="ClusterDecision.LeaseId"/> to <see cref="ReleaseAsync"/>.</summary>
    public ValueTask<ClusterDecision> AcquireAsync(string policy, string key, CancellationToken cancellationToken = default) =>
        DecideAsync(LimiterMethod.Acquire, new AcquireRequest { Policy = policy, Key = key }, policy, key, cancellationToken);

    /// <summary>Gives back a lease from <see cref="AcquireAsync"/>.</summary>
    public ValueTask<ClusterDecision> ReleaseAsync(string policy, string key, long leaseId, CancellationToken cancellationToken = default) =>
        DecideAsync(LimiterMethod.Release, new ReleaseRequest { Policy = policy, Key = key, LeaseId = leaseId }, policy, key, cancellationToken);

    /// <summary>Current usage of a key without charging it.</summary>
    public ValueTask<ClusterDecision> GetAsync(string policy, string key, CancellationToken cancellationToken = default) =>
        DecideAsync(LimiterMethod.Get, new GetRequest { Policy = policy, Key = key }, policy, key, cancellationToken);

    /// <summary>Denies every request of a key for <paramref name="pauseFor"/>, on every silo and for every caller
    /// (an upstream answered 429). Never shortens a pause in force.</summary>
    public ValueTask<ClusterDecision> PauseAsync(string policy, string key, TimeSpan pauseFor, CancellationToken cancellationToken = default) =>
        DecideAsync(LimiterMethod.Pause, new PauseRequest { Policy = policy, Key = key, PauseFor = Duration.FromTimeSpan(pauseFor) }, policy, key, cancellationToken);

    /// <summary>Opens a connection to every silo (a <c>grpc.health.v1</c> check each), so the first decisions do not pay for
    /// TCP and HTTP/2 set-up inside their short deadline. Answers how many silos are serving.</summary>
    public async Task<int> WarmUpAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var timeoutHeader = GrpcTimeout.Format(timeout);
        var checks = new Task<bool>[_endpoints.Count];
        for (var i = 0; i < checks.Length; i++)
        {
            checks[i] = IsServingAsync(_endpoints[i], timeoutHeader, deadline.Token);
        }

        var serving = await Task.WhenAll(checks).ConfigureAwait(false);
        return serving.Count(static s => s);
    }

    private async Task<bool> IsServingAsync(SiloEndpoint endpoint, string timeoutHeader, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _invoker.CallAsync(endpoint, LimiterMethod.HealthCheck, new Protocol.Health.HealthCheckRequest(),
                Protocol.Health.HealthCheckResponse.Parser, timeoutHeader, cancellationToken).ConfigureAwait(false);
            return response.Status == Protocol.Health.HealthCheckResponse.Types.ServingStatus.Serving;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or GrpcStatusException or OperationCanceledException)
        {
            return false;
        }
    }

    private async ValueTask<ClusterDecision> DecideAsync(LimiterMethod method, IMessage request, string policy, string key, CancellationToken cancellationToken)
    {
        var (response, outage) = await CallAsync(method, request, DecisionResponse.Parser, cancellationToken).ConfigureAwait(false);
        return response?.Decision is { } decision ? DecisionMapping.ToDecision(decision) : Fallback(policy, key, outage);
    }

    /// <summary>One call through the pipeline; an outage comes back as the exception, never thrown (the caller applies the failure mode).</summary>
    private async ValueTask<(TResponse? Response, Exception? Outage)> CallAsync<TResponse>(LimiterMethod method, IMessage request, MessageParser<TResponse> parser,
        CancellationToken cancellationToken)
        where TResponse : class, IMessage<TResponse>
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            var response = await _pipeline.ExecuteAsync(
                static (context, call) => call.Client.FailoverAsync(call.Method, call.Request, call.Parser, context.CancellationToken),
                context,
                new Call<TResponse>(this, method, request, parser)).ConfigureAwait(false);
            return (response, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (ClusterCallPipeline.IsOutage(e))
        {
            return (null, e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Tries each silo in turn, starting with the preferred one, until one answers or the deadline passes.</summary>
    private async ValueTask<TResponse> FailoverAsync<TResponse>(LimiterMethod method, IMessage request, MessageParser<TResponse> parser, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>
    {
        var first = _endpoints.Preferred;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await _invoker.CallAsync(_endpoints[first + attempt], method, request, parser, _grpcTimeout, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsSiloFailure(e))
            {
                _endpoints.MarkFailed(first + attempt);
                if (attempt + 1 >= _endpoints.Count || cancellationToken.IsCancellationRequested)
                {
                    throw;
                }
            }
        }
    }

    // A failure of this silo (not of the request): another silo may answer. A timeout also demotes the silo that was slow.
    private static bool IsSiloFailure(Exception e) =>
        e is HttpRequestException or IOException or OperationCanceledException
        || (e is GrpcStatusException status && status.Status is GrpcStatusCode.Unavailable or GrpcStatusCode.Unimplemented or GrpcStatusCode.Unknown);

    private ClusterDecision Fallback(string policy, string key, Exception? outage)
    {
        if (_options.ThrowWhenUnavailable)
        {
            throw new ClusterUnavailableException($"No GrainLimiter silo answered within {_options.Deadline.TotalMilliseconds} ms ({outage?.GetType().Name}: {outage?.Message}).",
                outage ?? new TimeoutException());
        }

        var mode = _options.FailureModeOf(policy);
        _metrics.Fallback(mode);
        return mode == FailureMode.Open
            ? new ClusterDecision(policy, key, true, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, 0, false, policy, ClusterDecision.ClusterUnavailableReason)
            : new ClusterDecision(policy, key, false, 0, 0, _options.FailClosedRetryAfter, _options.FailClosedRetryAfter, TimeSpan.Zero, TimeSpan.Zero, 0, false, policy,
                ClusterDecision.ClusterUnavailableReason);
    }

    /// <summary>Closes the connections.</summary>
    public void Dispose()
    {
        _invoker.Dispose();
        _metrics.Dispose();
    }

    private readonly record struct Call<TResponse>(GrainLimiterClient Client, LimiterMethod Method, IMessage Request, MessageParser<TResponse> Parser)
        where TResponse : IMessage<TResponse>;
}
