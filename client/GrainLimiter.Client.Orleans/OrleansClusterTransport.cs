using System.Net;
using GrainLimiter.Adaptive;
using GrainLimiter.Client.Decisions;
using GrainLimiter.Client.Resilience;
using GrainLimiter.Client.Transport;
using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Tls;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using DecisionCheck = GrainLimiter.Decisions.CheckRequest;

namespace GrainLimiter.Client.Orleans;

/// <summary>The cluster as an Orleans client: each Limiter call is one grain call to the silos' <see cref="ILimiterFrontGrain"/>,
/// which runs the gRPC front's own code there (no HTTP/2, no Kestrel, no protobuf on the way); concurrent checks travel together in
/// one call (<see cref="CheckBatcher"/>).</summary>
/// <remarks>
/// Owns a small Orleans client host, separate from the application's, that connects in the background and keeps retrying:
/// a gateway starts while the cluster is down and answers from the failure modes until it is back. Orleans calls take no
/// cancellation, so a call past the client's deadline is abandoned (the silo finishes it, refunds included) and Orleans
/// drops its callback after Orleans' <c>ResponseTimeout</c> (twice the deadline, at least 1 s).
/// </remarks>
internal sealed partial class OrleansClusterTransport : IClusterTransport
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly OrleansTransportOptions _options;
    private readonly TimeSpan _responseTimeout;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _connected;
    private readonly CheckBatcher _checks;
    private readonly ClientMetrics _metrics;
    private readonly OrleansTlsCredentials? _tls;
    private IHost? _host;
    private ClientLeases? _leases;
    private ILimiterFrontGrain? _front;
    private IClusterClient? _client;

    public OrleansClusterTransport(OrleansTransportOptions options, GrainLimiterClientOptions client, ClientMetrics metrics, ILoggerFactory? loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException("GrainLimiter Orleans client options are invalid:" + Environment.NewLine + "  "
                + string.Join(Environment.NewLine + "  ", problems), nameof(options));
        }

        _options = options;
        _tls = options.LoadTls(new List<string>());
        _responseTimeout = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, 2 * client.Deadline.Ticks));
        // Batching off: every check its own call at once.
        _checks = client.BatchChecks
            ? new CheckBatcher(SendAsync, client.MaxChecksPerBatch, client.MaxBatchesInFlight, metrics)
            : new CheckBatcher(SendAsync, 1, int.MaxValue, metrics);
        _metrics = metrics;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<OrleansClusterTransport>();
        _connected = Task.Run(() => ConnectAsync(_stopping.Token));
    }

    /// <summary>Whether the client has joined the cluster (it may still lose every gateway later; calls then fail fast).</summary>
    public bool IsConnected => Volatile.Read(ref _front) is not null;

    /// <summary>A single-key check of a hot key is decided here from its lease or cached denial when one can (<see cref="ClientLeases"/>);
    /// every other check travels in a batch to a silo's front.</summary>
    public ValueTask<ClusterCheckOutcome> CheckAsync(LimitCheck[] checks, CancellationToken cancellationToken)
    {
        if (checks.Length != 1 || Volatile.Read(ref _leases) is not { } leases)
        {
            return new(_checks.CheckAsync(checks, cancellationToken).WaitAsync(cancellationToken));
        }

        if (leases.TryDecide(checks[0], out var local))
        {
            return new(local);
        }

        return leases.ShouldAsk(checks[0]) ? AskAsync(leases, checks, cancellationToken) : CountedAsync(leases, checks, cancellationToken);
    }

    private async ValueTask<ClusterCheckOutcome> AskAsync(ClientLeases leases, LimitCheck[] checks, CancellationToken cancellationToken) =>
        await leases.AskAsync(Front(), checks[0]).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false)
            ?? await _checks.CheckAsync(checks, cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);

    private async ValueTask<ClusterCheckOutcome> CountedAsync(ClientLeases leases, LimitCheck[] checks, CancellationToken cancellationToken)
    {
        var outcome = await _checks.CheckAsync(checks, cancellationToken).WaitAsync(cancellationToken).ConfigureAwait(false);
        leases.Accepted(checks[0], outcome);
        return outcome;
    }

    public ValueTask<ClusterDecision> ReserveAsync(string policy, string key, long cost, CancellationToken cancellationToken) =>
        DecideAsync(Front().ReserveAsync(policy, key, cost), cancellationToken);

    public ValueTask<ClusterDecision> AcquireAsync(string policy, string key, CancellationToken cancellationToken) =>
        DecideAsync(Front().AcquireAsync(policy, key), cancellationToken);

    public ValueTask<ClusterDecision> ReleaseAsync(string policy, string key, long leaseId, CancellationToken cancellationToken) =>
        DecideAsync(Front().ReleaseAsync(policy, key, leaseId), cancellationToken);

    public ValueTask<ClusterDecision> GetAsync(string policy, string key, CancellationToken cancellationToken) =>
        DecideAsync(Front().GetAsync(policy, key), cancellationToken);

    public ValueTask<ClusterDecision> PauseAsync(string policy, string key, TimeSpan pauseFor, CancellationToken cancellationToken) =>
        DecideAsync(Front().PauseAsync(policy, key, pauseFor), cancellationToken);

    /// <summary>One call to the silo's front, which sums each key's outcomes and calls its grain once.</summary>
    public async ValueTask<int> ReportAsync(RequestOutcome[] outcomes, CancellationToken cancellationToken)
    {
        var call = Front().ReportAsync(outcomes);
        var answer = call.IsCompletedSuccessfully ? call.Result : await call.AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        return OutcomeMapping.ToAccepted(answer);
    }

    /// <summary>Waits for the client to join the cluster, then runs the decision path once (an empty Check, refused, charges
    /// nothing) so the first real decision does not pay for activation and serializer set-up inside its deadline.
    /// Answers how many silos are active.</summary>
    public async Task<int> WarmUpAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await _connected.WaitAsync(deadline.Token).ConfigureAwait(false);
            await Front().CheckBatchAsync([[]]).AsTask().WaitAsync(deadline.Token).ConfigureAwait(false);
            var hosts = await _client!.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true).WaitAsync(deadline.Token).ConfigureAwait(false);
            return hosts.Count;
        }
        catch (Exception e) when (e is OperationCanceledException or OrleansException or TimeoutException)
        {
            Log.WarmUpFailed(_logger, timeout.TotalMilliseconds, e);
            return 0;
        }
    }

    public bool IsOutage(Exception exception) =>
        exception is NotConnectedException or OrleansException or TimeoutException or OperationCanceledException;

    // An Orleans call takes no cancellation: past the caller's deadline the call is abandoned, and Orleans drops it at ResponseTimeout.
    private static async ValueTask<ClusterDecision> DecideAsync(ValueTask<FrontDecisions> call, CancellationToken cancellationToken)
    {
        var answer = call.IsCompletedSuccessfully ? call.Result : await call.AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        return DecisionMapping.ToOutcome(answer).Decisions[0];
    }

    // One batch of concurrent callers' checks: one call to the silo's front, each check answered on its own.
    private async Task SendAsync(PendingCheck[] batch)
    {
        var checks = new DecisionCheck[batch.Length][];
        for (var i = 0; i < batch.Length; i++)
        {
            var items = batch[i].Checks;
            checks[i] = new DecisionCheck[items.Length];
            for (var j = 0; j < items.Length; j++)
            {
                checks[i][j] = new DecisionCheck(items[j].Policy, items[j].Key, items[j].Cost);
            }
        }

        var answers = await Front().CheckBatchAsync(checks).ConfigureAwait(false);
        for (var i = 0; i < batch.Length && i < answers.Length; i++)
        {
            try
            {
                batch[i].Complete(DecisionMapping.ToOutcome(answers[i]));
            }
            catch (RpcException e)
            {
                batch[i].Fail(e);
            }
        }
    }

    private ILimiterFrontGrain Front() => Volatile.Read(ref _front) ?? throw new NotConnectedException(_options);

    /// <summary>Builds and starts the client host until it has joined the cluster; retries every second until disposed.</summary>
    private async Task ConnectAsync(CancellationToken stopping)
    {
        for (var attempt = 1; ; attempt++)
        {
            IHost? host = null;
            try
            {
                host = await BuildHostAsync(stopping).ConfigureAwait(false);
                _host = host;
                await host.StartAsync(stopping).ConfigureAwait(false);
                _client = host.Services.GetRequiredService<IClusterClient>();
                if (_options.Leases)
                {
                    // Made outside any grain, once the client is up: Orleans makes the holder's observer reference here.
                    Volatile.Write(ref _leases, new ClientLeases(_client, _metrics, _loggerFactory));
                }

                Volatile.Write(ref _front, _client.GetGrain<ILimiterFrontGrain>(0));
                Log.Connected(_logger, _options.ClusterId, _options.ServiceId, attempt);
                return;
            }
            catch (Exception e) when (!stopping.IsCancellationRequested)
            {
                Log.ConnectFailed(_logger, attempt, e);
                _host = null;
                host?.Dispose();

                await Task.Delay(RetryDelay, stopping).ConfigureAwait(false);
            }
            catch
            {
                // Disposed while this host was starting: it never served, so it is disposed here, not stopped.
                if (host is not null && Interlocked.CompareExchange(ref _host, null, host) == host)
                {
                    host.Dispose();
                }

                throw;
            }
        }
    }

    private async Task<IHost> BuildHostAsync(CancellationToken stopping)
    {
        var gateways = new List<IPEndPoint>();
        foreach (var gateway in _options.Gateways)
        {
            OrleansTransportOptions.TryParseGateway(gateway, out var host, out var port);
            var addresses = IPAddress.TryParse(host, out var address) ? [address] : await Dns.GetHostAddressesAsync(host, stopping).ConfigureAwait(false);
            gateways.AddRange(addresses.Select(a => new IPEndPoint(a, port)));
        }

        var builder = new HostBuilder()
            .ConfigureServices(services => services.AddSingleton(_loggerFactory))
            .UseOrleansClient(client =>
            {
                client.Configure<ClusterOptions>(cluster =>
                {
                    cluster.ClusterId = _options.ClusterId;
                    cluster.ServiceId = _options.ServiceId;
                });
                client.Configure<ClientMessagingOptions>(messaging => messaging.ResponseTimeout = _responseTimeout);
                if (_tls is not null)
                {
                    client.UseGrainLimiterTls(_tls);
                }

                if (gateways.Count > 0)
                {
                    client.UseStaticClustering([.. gateways]);
                }
                else
                {
                    client.UseRedisClustering(_options.Redis!);
                }

                // Keep trying while the cluster is down (the default gives up after 15 attempts and fails the start).
                var failures = 0;
                client.UseConnectionRetryFilter(async (exception, cancellationToken) =>
                {
                    // The first failure and one a minute after it: a gateway waiting for its cluster should not flood the log.
                    if (failures++ % 60 == 0)
                    {
                        Log.StillConnecting(_logger, failures, exception);
                    }

                    await Task.Delay(RetryDelay, cancellationToken).ConfigureAwait(false);
                    return !cancellationToken.IsCancellationRequested;
                });
            });
        return builder.Build();
    }

    public void Dispose()
    {
        _stopping.Cancel();
        try
        {
            _connected.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // Cancelled while connecting.
        }

        // The connect loop owns the host until it ends (a host whose StartAsync has not returned cannot be stopped): on a
        // loaded machine a start may outlast the wait above, and then the host is stopped once that start is over.
        if (_connected.IsCompleted)
        {
            StopHost();
        }
        else
        {
            _connected.ContinueWith(static (_, transport) => ((OrleansClusterTransport)transport!).StopHost(), this, CancellationToken.None,
                TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }
    }

    private void StopHost()
    {
        // Unused lease units go back while the client can still reach their grains.
        Interlocked.Exchange(ref _leases, null)?.Dispose();
        if (Interlocked.Exchange(ref _host, null) is { } host)
        {
            try
            {
                host.StopAsync(TimeSpan.FromSeconds(5)).GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is OperationCanceledException or OrleansException or TimeoutException)
            {
                // Closing connections to a cluster that is gone.
            }

            host.Dispose();
        }

        _stopping.Dispose();
    }

    /// <summary>The client has not joined the cluster yet (it keeps trying in the background).</summary>
    private sealed class NotConnectedException(OrleansTransportOptions options)
        : Exception($"Not connected to the Orleans cluster '{options.ClusterId}' (service '{options.ServiceId}') yet; still trying.");

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Joined Orleans cluster {ClusterId} (service {ServiceId}) as a client after {Attempts} attempt(s).")]
        public static partial void Connected(ILogger logger, string clusterId, string serviceId, int attempts);

        [LoggerMessage(2, LogLevel.Warning, "Could not join the Orleans cluster (attempt {Attempt}); decisions follow the failure modes meanwhile. Retrying.")]
        public static partial void ConnectFailed(ILogger logger, int attempt, Exception exception);

        [LoggerMessage(4, LogLevel.Warning, "No gateway of the Orleans cluster answered ({Failures} failed attempt(s)); " +
            "decisions follow the failure modes meanwhile. Retrying every second.")]
        public static partial void StillConnecting(ILogger logger, int failures, Exception exception);

        [LoggerMessage(3, LogLevel.Warning, "The GrainLimiter Orleans client did not warm up within {TimeoutMs} ms; " +
            "the first decisions may follow the failure modes.")]
        public static partial void WarmUpFailed(ILogger logger, double timeoutMs, Exception exception);
    }
}
