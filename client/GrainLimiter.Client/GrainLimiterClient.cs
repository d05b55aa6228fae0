using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using GrainLimiter.Adaptive;
using GrainLimiter.Client.Decisions;
using GrainLimiter.Client.Outcomes;
using GrainLimiter.Client.Resilience;
using GrainLimiter.Client.Transport;
using GrainLimiter.Policies;
using GrainLimiter.Protocol.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Polly;

namespace GrainLimiter.Client;

/// <summary>Asks a GrainLimiter cluster for decisions over gRPC (<c>grainlimiter.v1.Limiter</c>), within a deadline.</summary>
/// <remarks>
/// Thread-safe; create one per process and share it (connections are pooled and reused). When no silo answers in time or
/// the circuit is open, a decision comes from the policy's failure mode (<see cref="GrainLimiterClientOptions.FailureModes"/>)
/// with <see cref="ClusterDecision.ClusterUnavailableReason"/>, unless <see cref="GrainLimiterClientOptions.ThrowWhenUnavailable"/>.
/// Bad input (unknown policy, empty key) is not an outage: it throws <see cref="Grpc.Core.RpcException"/> (INVALID_ARGUMENT).
/// Dispose it (preferably <see cref="DisposeAsync"/>) to send the outcomes still queued and close the connections.
/// </remarks>
public sealed class GrainLimiterClient : IDisposable, IAsyncDisposable
{
    /// <summary>The longest latency an outcome may carry: the silos refuse longer ones (a timestamp sent as a duration).</summary>
    public static readonly TimeSpan MaxReportedLatency = TimeSpan.FromHours(1);

    private readonly GrainLimiterClientOptions _options;
    private readonly IClusterTransport _transport;
    private readonly ResiliencePipeline _pipeline;
    private readonly ResiliencePipeline _reportPipeline;
    private readonly OutcomeReporter _outcomes;
    private readonly ClientMetrics _metrics = new();
    private int _disposed;

    /// <summary>A client for the silos in <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public GrainLimiterClient(GrainLimiterClientOptions options)
        : this(options, loggerFactory: null)
    {
    }

    /// <summary>A client for the silos in <paramref name="options"/> that logs through <paramref name="loggerFactory"/> (failed reports)
    /// and times report batches on <paramref name="time"/> (the system clock by default).</summary>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem.</exception>
    public GrainLimiterClient(GrainLimiterClientOptions options, ILoggerFactory? loggerFactory, TimeProvider? time = null)
        : this(options, GrpcTransport, time, loggerFactory)
    {
    }

    /// <summary>A client over another transport (the seam a second way of reaching the cluster plugs into).</summary>
    internal GrainLimiterClient(GrainLimiterClientOptions options, Func<GrainLimiterClientOptions, ClientMetrics, IClusterTransport> transport,
        TimeProvider? time = null, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException("GrainLimiter client options are invalid:" + Environment.NewLine + "  "
                + string.Join(Environment.NewLine + "  ", problems), nameof(options));
        }

        _options = options;
        _transport = transport(options, _metrics);
        _pipeline = ClusterCallPipeline.Build(options, _metrics, _transport.IsOutage);
        _reportPipeline = ClusterCallPipeline.BuildForReports(options, _transport.IsOutage);
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger<GrainLimiterClient>();
        _outcomes = new OutcomeReporter(SendReportAsync, options.MaxOutcomesPerReport, options.MaxQueuedOutcomes, options.ReportInterval,
            time ?? TimeProvider.System, _metrics, logger);
    }

    private static IClusterTransport GrpcTransport(GrainLimiterClientOptions options, ClientMetrics metrics) => options.Transport == ClusterTransport.Grpc
        ? new GrpcClusterTransport(options, metrics)
        : throw new ArgumentException($"{GrainLimiterClientOptions.Section}:Transport is {options.Transport}: create the client with AddGrainLimiterClient() "
            + "or GrainLimiterOrleansClient.Create (package GrainLimiter.Client.Orleans).", nameof(options));

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

    /// <summary>Outcomes sent to the cluster in a report it answered (<see cref="ReportAsync(RequestOutcome)"/>).</summary>
    public long OutcomesReported => _metrics.OutcomesReported;

    /// <summary>Outcomes never reported: the queue was full (<see cref="GrainLimiterClientOptions.MaxQueuedOutcomes"/>), their report
    /// failed, or the client was disposed.</summary>
    public long OutcomesDropped => _metrics.OutcomesDropped;

    /// <summary>Charges <paramref name="cost"/> to one key (0 peeks).</summary>
    public async ValueTask<ClusterDecision> CheckAsync(string policy, string key, long cost = 1, CancellationToken cancellationToken = default)
    {
        var (outcome, outage) = await CallAsync(static (transport, checks, ct) => transport.CheckAsync(checks, ct),
                new[] { new LimitCheck(policy, key, cost) }, cancellationToken)
            .ConfigureAwait(false);
        return outage is null ? outcome.Decisions[0] : Fallback(policy, key, outage);
    }

    /// <summary>Checks several keys at once, all or nothing: if one is denied, none is charged.</summary>
    public async ValueTask<ClusterCheckOutcome> CheckAsync(IReadOnlyList<LimitCheck> checks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(checks);
        var (outcome, outage) = await CallAsync(static (transport, checks, ct) => transport.CheckAsync(checks, ct), checks.ToArray(), cancellationToken)
            .ConfigureAwait(false);
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
        DecideAsync(static (transport, call, ct) => transport.ReserveAsync(call.Policy, call.Key, call.Cost, ct), (Policy: policy, Key: key, Cost: cost),
            policy, key, cancellationToken);

    /// <summary>Takes a lease of a concurrency policy; pass <see cref="ClusterDecision.LeaseId"/> to <see cref="ReleaseAsync"/>.</summary>
    public ValueTask<ClusterDecision> AcquireAsync(string policy, string key, CancellationToken cancellationToken = default) =>
        DecideAsync(static (transport, call, ct) => transport.AcquireAsync(call.Policy, call.Key, ct), (Policy: policy, Key: key), policy, key,
            cancellationToken);

    /// <summary>Gives back a lease from <see cref="AcquireAsync"/>.</summary>
    public ValueTask<ClusterDecision> ReleaseAsync(string policy, string key, long leaseId, CancellationToken cancellationToken = default) =>
        DecideAsync(static (transport, call, ct) => transport.ReleaseAsync(call.Policy, call.Key, call.LeaseId, ct),
            (Policy: policy, Key: key, LeaseId: leaseId), policy, key,
            cancellationToken);

    /// <summary>Current usage of a key without charging it.</summary>
    public ValueTask<ClusterDecision> GetAsync(string policy, string key, CancellationToken cancellationToken = default) =>
        DecideAsync(static (transport, call, ct) => transport.GetAsync(call.Policy, call.Key, ct), (Policy: policy, Key: key), policy, key, cancellationToken);

    /// <summary>Denies every request of a key for <paramref name="pauseFor"/>, on every silo and for every caller
    /// (an upstream answered 429). Never shortens a pause in force.</summary>
    public ValueTask<ClusterDecision> PauseAsync(string policy, string key, TimeSpan pauseFor, CancellationToken cancellationToken = default) =>
        DecideAsync(static (transport, call, ct) => transport.PauseAsync(call.Policy, call.Key, call.PauseFor, ct),
            (Policy: policy, Key: key, PauseFor: pauseFor), policy, key,
            cancellationToken);

    /// <summary>Queues how an admitted request fared, for the adaptive limit of its key (a decision with
    /// <see cref="ClusterDecision.ReportOutcome"/> asks for it); returns at once, having made no call.</summary>
    /// <param name="failed">The request failed; a <paramref name="status"/> of 429 or 5xx counts as a failure too.</param>
    /// <param name="latency">How long it took; null when not measured. At most <see cref="MaxReportedLatency"/>.</param>
    /// <param name="status">The upstream's (or the response's) status code, 100..599; 0 when not known.</param>
    public ValueTask ReportAsync(string policy, string key, bool failed, TimeSpan? latency = null, int status = 0) =>
        ReportAsync(new RequestOutcome(policy, key, failed, latency, status));

    /// <summary>Queues <paramref name="outcome"/>; returns at once, having made no call.</summary>
    /// <remarks>Outcomes travel in batches of at most <see cref="GrainLimiterClientOptions.MaxOutcomesPerReport"/>: a batch leaves when it
    /// fills or once its oldest outcome waited <see cref="GrainLimiterClientOptions.ReportInterval"/>. A report that fails is logged
    /// and counted (<see cref="OutcomesDropped"/>), never thrown here and never retried; disposing the client sends what is queued.</remarks>
    /// <exception cref="ArgumentException">No policy or key, a latency outside 0 .. <see cref="MaxReportedLatency"/>, or a status that is
    /// neither 0 nor 100..599: the silos would refuse the whole batch for it.</exception>
    public ValueTask ReportAsync(RequestOutcome outcome)
    {
        ArgumentException.ThrowIfNullOrEmpty(outcome.Policy, nameof(outcome));
        ArgumentException.ThrowIfNullOrEmpty(outcome.Key, nameof(outcome));
        if (outcome.Latency is { } latency && (latency < TimeSpan.Zero || latency > MaxReportedLatency))
        {
            throw new ArgumentOutOfRangeException(nameof(outcome), latency, $"An outcome's latency must be between 0 and {MaxReportedLatency}.");
        }

        if (outcome.Status is not (0 or >= 100 and <= 599))
        {
            throw new ArgumentOutOfRangeException(nameof(outcome), outcome.Status,
                "An outcome's status must be 0 (not known) or an HTTP status code, 100 to 599.");
        }

        _outcomes.Add(outcome);
        return ValueTask.CompletedTask;
    }

    // One batch through the reports' pipeline (their own deadline and circuit).
    private ValueTask<int> SendReportAsync(RequestOutcome[] batch, CancellationToken cancellationToken) =>
        _reportPipeline.ExecuteAsync(static (state, ct) => state.Transport.ReportAsync(state.Batch, ct), (Transport: _transport, Batch: batch),
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
                await CallAsync(static (transport, checks, ct) => transport.CheckAsync(checks, ct), Array.Empty<LimitCheck>(), cancellationToken)
                    .ConfigureAwait(false);
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
        var request = DecisionMapping.ToProto([new LimitCheck("warm-up", "warm-up")], "warm-up");
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

    private async ValueTask<ClusterDecision> DecideAsync<TCall>(Func<IClusterTransport, TCall, CancellationToken, ValueTask<ClusterDecision>> call,
        TCall arguments,
        string policy, string key, CancellationToken cancellationToken)
    {
        var (decision, outage) = await CallAsync(call, arguments, cancellationToken).ConfigureAwait(false);
        return outage is null ? decision : Fallback(policy, key, outage);
    }

    /// <summary>One call through the pipeline; an outage comes back as the exception, never thrown (the caller applies the failure mode).</summary>
    private async ValueTask<(TResponse? Response, Exception? Outage)> CallAsync<TRequest, TResponse>(
        Func<IClusterTransport, TRequest, CancellationToken, ValueTask<TResponse>> call,
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
            throw new ClusterUnavailableException(
                $"No GrainLimiter silo answered within {_options.Deadline.TotalMilliseconds} ms ({outage?.GetType().Name}: {outage?.Message}).",
                outage ?? new TimeoutException());
        }

        var mode = _options.FailureModeOf(policy);
        _metrics.Fallback(mode);
        return mode == FailureMode.Open
            ? new ClusterDecision(policy, key, true, 0, 0, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, TimeSpan.Zero, 0, false, policy,
                ClusterDecision.ClusterUnavailableReason)
            : new ClusterDecision(policy, key, false, 0, 0, _options.FailClosedRetryAfter, _options.FailClosedRetryAfter,
                TimeSpan.Zero, TimeSpan.Zero, 0, false, policy,
                ClusterDecision.ClusterUnavailableReason);
    }

    /// <summary>Sends the outcomes still queued (waiting for them), then closes the connections.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // The reporter's loop runs on the thread pool (ConfigureAwait(false) throughout): blocking here cannot deadlock it.
            _outcomes.DisposeAsync().AsTask().GetAwaiter().GetResult();
            Close();
        }
    }

    /// <summary>Sends the outcomes still queued, then closes the connections.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await _outcomes.DisposeAsync().ConfigureAwait(false);
            Close();
        }
    }

    private void Close()
    {
        _transport.Dispose();
        _metrics.Dispose();
    }
}
