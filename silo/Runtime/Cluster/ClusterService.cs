using GrainLimiter.Membership;
using GrainLimiter.Silo.Runtime.Cluster.Membership;
using GrainLimiter.Silo.Runtime.Cluster.Peers;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Runtime.Cluster;

/// <summary>
/// The silo's life in the cluster: joins once Kestrel listens, re-reads membership and probes peers while it runs,
/// and leaves gracefully when the host stops (SIGTERM), before Kestrel stops taking requests.
/// </summary>
/// <remarks>
/// Uses the lifecycle hooks: <see cref="StartedAsync"/> runs after the server listens (peers can reach the silo as soon
/// as it says it is active), <see cref="StoppingAsync"/> before any service stops (requests arriving during the leave are
/// forwarded to the new owners, not refused).
/// </remarks>
public sealed partial class ClusterService(
    ClusterMembership membership,
    IPeerTransport peers,
    ProvisionalGrains provisional,
    IOptions<ClusterOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    ILogger<ClusterService> logger) : IHostedLifecycleService
{
    private readonly ClusterOptions _options = options.Value;
    private readonly CancellationTokenSource _stopping = new();
    private Task _loops = Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StartedAsync(CancellationToken cancellationToken)
    {
        membership.DeclaredDead += lifetime.StopApplication;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.LeaveTimeout);
        await membership.JoinAsync(timeout.Token).ConfigureAwait(false);
        _loops = Task.WhenAll(Task.Run(RefreshLoopAsync), Task.Run(ProbeLoopAsync));
    }

    public async Task StoppingAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.LeaveTimeout);
        var started = time.GetTimestamp();
        try
        {
            await membership.LeaveAsync(timeout.Token).ConfigureAwait(false);
            Log.LeaveCompleted(logger, time.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (OperationCanceledException)
        {
            Log.LeaveTimedOut(logger, _options.LeaveTimeout);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loops.ConfigureAwait(false);
    }

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task RefreshLoopAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(RefreshInterval, time, stopping).ConfigureAwait(false);
                await membership.RefreshAsync(stopping).ConfigureAwait(false);
                await provisional.SweepAsync(time.GetUtcNow().UtcTicks, stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                Log.RefreshFailed(logger, e);
            }
        }
    }

    private TimeSpan RefreshInterval => _options.Membership == MembershipKinds.Dns ? _options.DnsRefreshInterval : _options.RefreshInterval;

    private async Task ProbeLoopAsync()
    {
        var stopping = _stopping.Token;
        var detection = _options.FailureDetection;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(detection.ProbeInterval, time, stopping).ConfigureAwait(false);
                var targets = membership.Known.Where(m => m.Address != membership.Self && m.Status != SiloStatus.Dead).Select(static m => m.Address).ToArray();
                await Task.WhenAll(targets.Select(ProbeAsync)).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
        }

        async Task ProbeAsync(string peer)
        {
            try
            {
                var pong = await peers.PingAsync(peer, detection.ProbeTimeout, stopping).ConfigureAwait(false);
                membership.ReportReachable(peer, (SiloStatus)pong.Status);
            }
            catch (PeerUnavailableException)
            {
                membership.ReportUnreachable(peer);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Graceful leave completed in {Milliseconds} ms.")]
        public static partial void LeaveCompleted(ILogger logger, double milliseconds);

        [LoggerMessage(2, LogLevel.Error, "Graceful leave did not complete within {Timeout}; stopping anyway.")]
        public static partial void LeaveTimedOut(ILogger logger, TimeSpan timeout);

        [LoggerMessage(3, LogLevel.Warning, "Reading the membership failed; the current view stays.")]
        public static partial void RefreshFailed(ILogger logger, Exception exception);
    }
}
