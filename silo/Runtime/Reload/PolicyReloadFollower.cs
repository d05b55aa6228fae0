using GrainLimiter.Grains;
using GrainLimiter.Silo.Config;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Runtime.Reload;

/// <summary>Polls the cluster's reload number (<see cref="IPolicyVersionGrain"/>) every <c>GrainLimiter:PolicyReloadDelay</c>;
/// when another silo announced a reload, this silo reloads its own files.</summary>
/// <remarks>Polling rather than observer subscriptions: one small call per silo and interval, nothing to re-subscribe
/// after a silo or the grain moves, and a missed announcement is seen at the next poll.</remarks>
public sealed partial class PolicyReloadFollower(
    PolicyReloader reloader,
    IGrainFactory grains,
    IHostApplicationLifetime lifetime,
    IOptions<SiloOptions> options,
    ILogger<PolicyReloadFollower> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Grain calls need a running silo.
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(started.SetResult))
        await using (stoppingToken.Register(started.SetResult))
        {
            await started.Task.ConfigureAwait(false);
        }

        using var timer = new PeriodicTimer(options.Value.PolicyReloadDelay);
        do
        {
            try
            {
                reloader.Observe(await grains.GetGrain<IPolicyVersionGrain>(0).CurrentAsync().AsTask().WaitAsync(stoppingToken).ConfigureAwait(false));
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The grain's silo is leaving or the cluster is forming: the next poll tries again.
                Log.PollFailed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Could not read the cluster's policy reload number; trying again.")]
        public static partial void PollFailed(ILogger logger, Exception exception);
    }
}
