using GrainLimiter.Grains.Leases;
using GrainLimiter.Leases;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Checks.Leases;

/// <summary>Gives back the unused units of this silo's expired leases every <see cref="LeaseOptions.Ttl"/>, and all of them when the
/// silo stops (before its grains deactivate), so the keys' grains can credit them while their windows last; forgets idle keys every
/// ten.</summary>
public sealed partial class LeaseReturner(LeaseHolder holder, TimeProvider time, IOptions<LeaseOptions> options, ILogger<LeaseReturner> logger)
    : ILifecycleParticipant<ISiloLifecycle>
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _loop = Task.CompletedTask;

    void ILifecycleParticipant<ISiloLifecycle>.Participate(ISiloLifecycle lifecycle) =>
        // Active: runs while the silo serves calls; stops first on shutdown, while the grains can still take the units back.
        lifecycle.Subscribe(nameof(LeaseReturner), ServiceLifecycleStage.Active, _ => Start(), _ => StopAsync());

    private Task Start()
    {
        holder.Start();
        _loop = LoopAsync();
        return Task.CompletedTask;
    }

    private async Task LoopAsync()
    {
        using var timer = new PeriodicTimer(options.Value.Ttl, time);
        try
        {
            for (var tick = 1L; await timer.WaitForNextTickAsync(_stopping.Token).ConfigureAwait(false); tick++)
            {
                await holder.ReturnExpiredAsync(all: false, _stopping.Token).ConfigureAwait(false);
                if (tick % 10 == 0)
                {
                    holder.ForgetIdle();
                }
            }
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            Log.LoopFailed(logger, e);
        }
    }

    private async Task StopAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        using var giveUp = new CancellationTokenSource(options.Value.RevokeTimeout, time);
        try
        {
            await holder.ReturnExpiredAsync(all: true, giveUp.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // What did not go back in time stays charged until its window ends.
        }

        holder.Stop();
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Error, "Giving back expired leases stopped; unused units stay charged until their windows end.")]
        public static partial void LoopFailed(ILogger logger, Exception exception);
    }
}
