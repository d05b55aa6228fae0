namespace GrainLimiter.Silo.Policies.Reload;

/// <summary>Calls <see cref="PollAsync"/> once the silo has started, then every <paramref name="interval"/>, until it stops.</summary>
/// <remarks>Polling rather than observer subscriptions: one small call per silo and interval, nothing to re-subscribe
/// after a silo or a grain moves, and a missed change is seen at the next poll. A failed poll (the grain's silo is
/// leaving, the cluster is forming) is logged at debug and tried again at the next tick.</remarks>
public abstract partial class ClusterPoller(IHostApplicationLifetime lifetime, TimeSpan interval, ILogger logger, string what) : BackgroundService
{
    protected abstract Task PollAsync(CancellationToken stoppingToken);

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Grain calls need a running silo.
        var started = new TaskCompletionSource();
        await using (lifetime.ApplicationStarted.Register(started.SetResult))
        await using (stoppingToken.Register(started.SetResult))
        {
            await started.Task.ConfigureAwait(false);
        }

        using var timer = new PeriodicTimer(interval);
        do
        {
            try
            {
                await PollAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                Log.PollFailed(logger, what, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Could not read {What}; trying again.")]
        public static partial void PollFailed(ILogger logger, string what, Exception exception);
    }
}
