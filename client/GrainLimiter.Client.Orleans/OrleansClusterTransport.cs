using System.Net;
using GrainLimiter.Client.Transport;
using GrainLimiter.Grains;
using GrainLimiter.Protocol.V1;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Configuration;
using CheckRequest = GrainLimiter.Protocol.V1.CheckRequest;
using LimiterMethod = GrainLimiter.Decisions.LimiterMethod;

namespace GrainLimiter.Client.Orleans;

/// <summary>The cluster as an Orleans client: each Limiter call is one grain call to the silos' <see cref="ILimiterFrontGrain"/>,
/// which runs the gRPC front's own code there (no HTTP/2, no Kestrel on the way).</summary>
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
    private IHost? _host;
    private ILimiterFrontGrain? _front;
    private IClusterClient? _client;

    public OrleansClusterTransport(OrleansTransportOptions options, TimeSpan deadline, ILoggerFactory? loggerFactory)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Validate() is { Count: > 0 } problems)
        {
            throw new ArgumentException("GrainLimiter Orleans client options are invalid:" + Environment.NewLine + "  " + string.Join(Environment.NewLine + "  ", problems), nameof(options));
        }

        _options = options;
        _responseTimeout = TimeSpan.FromTicks(Math.Max(TimeSpan.FromSeconds(1).Ticks, 2 * deadline.Ticks));
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<OrleansClusterTransport>();
        _connected = Task.Run(() => ConnectAsync(_stopping.Token));
    }

    /// <summary>Whether the client has joined the cluster (it may still lose every gateway later; calls then fail fast).</summary>
    public bool IsConnected => Volatile.Read(ref _front) is not null;

    public async ValueTask<CheckResponse> CheckAsync(CheckRequest request, CancellationToken cancellationToken) =>
        CheckResponse.Parser.ParseFrom(await CallAsync(LimiterMethod.Check, request, cancellationToken).ConfigureAwait(false));

    public async ValueTask<DecisionResponse> ReserveAsync(ReserveRequest request, CancellationToken cancellationToken) =>
        DecisionResponse.Parser.ParseFrom(await CallAsync(LimiterMethod.Reserve, request, cancellationToken).ConfigureAwait(false));

    public async ValueTask<DecisionResponse> AcquireAsync(AcquireRequest request, CancellationToken cancellationToken) =>
        DecisionResponse.Parser.ParseFrom(await CallAsync(LimiterMethod.Acquire, request, cancellationToken).ConfigureAwait(false));

    public async ValueTask<DecisionResponse> ReleaseAsync(ReleaseRequest request, CancellationToken cancellationToken) =>
        DecisionResponse.Parser.ParseFrom(await CallAsync(LimiterMethod.Release, request, cancellationToken).ConfigureAwait(false));

    public async ValueTask<DecisionResponse> GetAsync(GetRequest request, CancellationToken cancellationToken) =>
        DecisionResponse.Parser.ParseFrom(await CallAsync(LimiterMethod.Get, request, cancellationToken).ConfigureAwait(false));

    public async ValueTask<DecisionResponse> PauseAsync(PauseRequest request, CancellationToken cancellationToken) =>
        DecisionResponse.Parser.ParseFrom(await CallAsync(LimiterMethod.Pause, request, cancellationToken).ConfigureAwait(false));

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
            await Front().CallAsync(LimiterMethod.Check, new CheckRequest().ToByteArray()).AsTask().WaitAsync(deadline.Token).ConfigureAwait(false);
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

    private async ValueTask<byte[]> CallAsync(LimiterMethod method, IMessage request, CancellationToken cancellationToken)
    {
        var call = Front().CallAsync(method, request.ToByteArray());
        var answer = call.IsCompletedSuccessfully ? call.Result : await call.AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
        return answer.Status == (int)StatusCode.OK
            ? answer.Response
            : throw new RpcException(new Status((StatusCode)answer.Status, answer.Detail ?? ""));
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

        if (_host is { } host)
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

        [LoggerMessage(4, LogLevel.Warning, "No gateway of the Orleans cluster answered ({Failures} failed attempt(s)); decisions follow the failure modes meanwhile. Retrying every second.")]
        public static partial void StillConnecting(ILogger logger, int failures, Exception exception);

        [LoggerMessage(3, LogLevel.Warning, "The GrainLimiter Orleans client did not warm up within {TimeoutMs} ms; the first decisions may follow the failure modes.")]
        public static partial void WarmUpFailed(ILogger logger, double timeoutMs, Exception exception);
    }
}
