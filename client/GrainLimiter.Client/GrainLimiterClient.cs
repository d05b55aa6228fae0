using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using GrainLimiter.Client.Decisions;
using GrainLimiter.Client.Resilience;
using GrainLimiter.Client.Transport;
using GrainLimiter.Policies;
using GrainLimiter.Protocol.V1;
using Polly;

namespace GrainLimiter.Client;

/// <summary>Asks a GrainLimiter cluster for decisions over gRPC (<c>grainlimiter.v1.Limiter</c>), within a deadline.</summary>
/// <remarks>
/// Thread-safe; create one per process and share it (connections are pooled and reused). When no silo answers in time or
/// the circuit is open, a decision comes from the policy's failure mode (<see cref="GrainLimiterClientOptions.FailureModes"/>)
/// with <see cref="ClusterDecision.ClusterUnavailableReason"/>, unless <see cref="GrainLimiterClientOptions.ThrowWhenUnavailable"/>.
/// Bad input (unknown policy, empty key) is not an outage: it throws <see cref="Grpc.Core.RpcException"/> (INVALID_ARGUMENT).
/// </remarks>
public sealed class GrainLimiterClient : IDisposable
{
    private readonly GrainLimiterClientOptions _options;
    private readonly IClusterTransport _transport;
    private readonly ResiliencePipeline _pipeline;
    private readonly ClientMetrics _metrics = new();

    /// <summary>A client for the silos in <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public GrainLimiterClient(GrainLimiterClientOptions options)
        : this(options, static (options, metrics) => options.Transport == ClusterTransport.Grpc
            ? new GrpcClusterTransport(options, metrics)
            : throw new ArgumentException($"{GrainLimiterClientOptions.Section}:Transport is {options.Transport}: create the client with AddGrainLimiterClient() "
                + "or GrainLimiterOrleansClient.Create (package GrainLimiter.Client.Orleans).", nameof(options)))
    {
    }

    /// <summary>A client over another transport (the seam a second way of reaching the cluster plugs into).</summary>
    internal GrainLimiterClient(GrainLimiterClientOptions options, Func<GrainLimiterClientOptions, ClientMetrics, IClusterTransport> transport)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException("GrainLimiter client options are invalid:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", problems), nameof(options));
        }

        _options = options;
        _transport = transport(options, _metrics);
        _pipeline = ClusterCallPipeline.Build(options, _metrics, _transport.IsOutage);
    }

    /// <summary>The options this client was built with.</summary>
    public GrainLimiterClientOptions Options => _options;

    /// <summary>Decisions answered "allowed" by a fail-open policy because the cluster could not answer.</summary>
    public long FailOpenCount => _metrics.FailOpen;

    /// <summary>Decisions answered "denied" by a fail-closed policy because the cluster could not answer.</summary>
    public long FailClosedCount => _metrics.FailClosed;

    /// <summary>Times the circuit to the cluster opened (calls then answer from the failure mode at once).</summary>
    public long CircuitOpenings => _metrics.CircuitOpenings;

    /// <summary>Calls that carried checks to the cluster: fewer than the checks asked when concurrent ones travelled together
    /// (<see cref="GrainLimiterClientOptions.BatchChecks"/>).</summary>
    public long BatchesSent => _metrics.Batches;

    /// <summary>Checks decided in this process from a lease or a cached denial of their key, with no call (the Orleans transport's
    /// <c>Leases</c>).</summary>
    public long LocalDecisions => _metrics.LocalDecisions;

    /// <summary>Charges <paramref name="cost"/> to one key (0 peeks).</summary>
    public async ValueTask<ClusterDecision> CheckAsync(string policy, string key, long cost = 1, CancellationToken cancellationToken = default)
    {
        var (outcome, outage) = await CallAsync(static (transport, checks, ct) => transport.CheckAsync(checks, ct), new[] { new LimitCheck(policy, key, cost) }, cancellationToken)
            .ConfigureAwait(false);
        return outage is null ? outcome.Decisions[0] : Fallback(policy, key, outage);
    }

    /// <summary>Checks several keys at once, all or nothing: if one is denied, none is charged.</summary>
    public async ValueTask<ClusterCheckOutcome> CheckAsync(IReadOnlyList<LimitCheck> checks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var (outcome, outage) = await CallAsync(static (transport, checks, ct) => transport.CheckAsync(checks, ct), checks.ToArray(), cancellationToken).ConfigureAwait(false);
        if (outage is null)
        {
            return outcome;
        }

        var decisions = new ClusterDecision[checks.Count];
        var allowed = true;
        for (var i = 0; i < decisions.Length; i++)
        {
            decisions[i] = Fallback(checks[i].Policy, checks[i].Key, outage);
            allowed &= decisions[i].Allowed;
        }

        return new ClusterCheckOutcome(allowed, decisions);
    }

    /// <summary>Reserves a slot of a leaky-bucket policy: when allowed, wait <see cref="ClusterDecision.Wait"/> before proceeding.</summary>
    public ValueTask<ClusterDecision> ReserveAsync(string policy, string key, long cost = 1, CancellationToken cancellationToken = default) =>
        DecideAsync(static (transport, call, ct) => transport.ReserveAsync(call.Policy, call.Key, call.Cost, ct), (Policy: policy, Key: key, Cost: cost), policy, key, cancellationToken);

    /// <summary>Takes a lease of a concurrency policy; pass <see cref="ClusterDecision.LeaseId"/> to <see cref="ReleaseAsync"/>.</summary>
    public ValueTask<ClusterDecision> AcquireAsync(string policy, string key, CancellationToken cancellationToken = default) =>
        DecideAsync(static (transport, call, ct) => transport.AcquireAsync(call.Policy, call.Key, ct), (Policy: policy, Key: key), policy, key, cancellationToken);

    /// <summary>Gives back a lease from <see cref="AcquireAsync"/>.</summary>
    public ValueTask<ClusterDecision> ReleaseAsync(string policy, string key, long leaseId, CancellationToken cancellationToken = default) =>
        DecideAsync(static (transport, call, ct) => transport.ReleaseAsync(call.Policy, call.Key, call.LeaseId, ct), (Policy: policy, Key: key, LeaseId: leaseId), policy, key,
            cancellationToken);

    /// <summary>Current usage of a key without charging it.</summary>
    public ValueTask<ClusterDecision> GetAsync(string policy, string key, CancellationToken cancellationToken = default) =>
        DecideAsync(static (transport, call, ct) => transport.GetAsync(call.Policy, call.Key, ct), (Policy: policy, Key: key), policy, key, cancellationToken);

    /// <summary>Denies every request of a key for <paramref name="pauseFor"/>, on every silo and for every caller
    /// (an upstream answered 429). Never shortens a pause in force.</summary>
    public ValueTask<ClusterDecision> PauseAsync(string policy, string key, TimeSpan pauseFor, CancellationToken cancellationToken = default) =>
        DecideAsync(static (transport, call, ct) => transport.PauseAsync(call.Policy, call.Key, call.PauseFor, ct), (Policy: policy, Key: key, PauseFor: pauseFor), policy, key,
            cancellationToken);

    /// <summary>Connects to every silo and runs one health check and one (refused, uncharged) Check through each, then one through
    /// this client's own call path, so the first decisions pay neither for TCP and HTTP/2 set-up nor for compiling the call path
    /// inside their short deadline. Answers how many silos are serving.</summary>
    public async Task<int> WarmUpAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        WarmUpMessages();
        var serving = await _transport.WarmUpAsync(timeout, cancellationToken).ConfigureAwait(false);
        // Twice: the first, cold, may miss the deadline (an outage answered here, counted by nobody); the second runs compiled.
        for (var i = 0; i < 2; i++)
        {
            try
            {
                // An empty check is refused (INVALID_ARGUMENT) and charges nothing.
                await CallAsync(static (transport, checks, ct) => transport.CheckAsync(checks, ct), Array.Empty<LimitCheck>(), cancellationToken).ConfigureAwait(false);
            }
            catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.InvalidArgument)
            {
            }
        }

        return serving;
    }

    // Writes and parses a full request and answer once in memory: the first decision then runs the protobuf code compiled,
    // which the warm-up calls (refused, so answered without a message) do not reach.
    private static void WarmUpMessages()
    {
        var request = DecisionMapping.ToProto([new LimitCheck("warm-up", "warm-up")]);
        Protocol.V1.CheckRequest.Parser.ParseFrom(request.ToByteArray());
        var window = Duration.FromTimeSpan(TimeSpan.FromSeconds(1));
        var response = new CheckResponse
        {
            Allowed = true,
            Decisions =
            {
                new Decision
                {
                    Policy = "warm-up", Key = "warm-up", Allowed = true, Limit = 1, Remaining = 1, ResetAfter = window, RetryAfter = window, Wait = window,
                    Window = window, LeaseId = 1, Alert = true, LimitName = "warm-up", Reason = "warm-up",
                },
            },
        };
        DecisionMapping.ToOutcome(CheckResponse.Parser.ParseFrom(response.ToByteArray()));
    }

    private async ValueTask<ClusterDecision> DecideAsync<TCall>(Func<IClusterTransport, TCall, CancellationToken, ValueTask<ClusterDecision>> call, TCall arguments,
        string policy, string key, CancellationToken cancellationToken)
    {
        var (decision, outage) = await CallAsync(call, arguments, cancellationToken).ConfigureAwait(false);
        return outage is null ? decision : Fallback(policy, key, outage);
    }

    /// <summary>One call through the pipeline; an outage comes back as the exception, never thrown (the caller applies the failure mode).</summary>
    private async ValueTask<(TResponse? Response, Exception? Outage)> CallAsync<TRequest, TResponse>(Func<IClusterTransport, TRequest, CancellationToken, ValueTask<TResponse>> call,
        TRequest request, CancellationToken cancellationToken)
    {
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            var response = await _pipeline.ExecuteAsync(
                static (context, state) => state.Call(state.Transport, state.Request, context.CancellationToken),
                context,
                (Transport: _transport, Call: call, Request: request)).ConfigureAwait(false);
            return (response, null);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception e) when (ClusterCallPipeline.IsOutage(e, _transport.IsOutage))
        {
            return (default, e);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

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
        _transport.Dispose();
        _metrics.Dispose();
    }
}
