using GrainLimiter.Silo.Config;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Runtime;

/// <summary>Write-behind and idle deactivation: flushes dirty grains every flush interval, sweeps idle ones, flushes all on shutdown.</summary>
public sealed partial class CatalogMaintenance(GrainCatalog catalog, TimeProvider time, IOptions<SiloOptions> options, ILogger<CatalogMaintenance> logger)
    : BackgroundService
{
    // Big enough that one round trip carries many states, small enough to bound one request to the store.
    public const int FlushBatchSize = 2048;
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(5);
    private readonly SiloOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var sweepEvery = _options.IdleTimeout / 2;
        var nextSweep = time.GetUtcNow() + sweepEvery;
        var delay = _options.FlushInterval;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (time.GetUtcNow() >= nextSweep)
            {
                catalog.DeactivateIdle();
                nextSweep = time.GetUtcNow() + sweepEvery;
            }

            try
            {
                await catalog.FlushAsync(time.GetUtcNow().UtcTicks, FlushBatchSize, stoppingToken).ConfigureAwait(false);
                delay = _options.FlushInterval;
            }
            catch (Exception) when (!stoppingToken.IsCancellationRequested)
            {
                // The catalog logged it and kept the grains dirty; back off so a down store is not hammered.
                delay = TimeSpan.FromTicks(Math.Min(MaxBackoff.Ticks, delay.Ticks * 2));
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var written = await catalog.FlushAsync(time.GetUtcNow().UtcTicks, FlushBatchSize, cancellationToken).ConfigureAwait(false);
            Log.FinalFlush(logger, written);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Log.FinalFlushFailed(logger, e);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Shutdown: wrote {Count} grain states.")]
        public static partial void FinalFlush(ILogger logger, int count);

        [LoggerMessage(2, LogLevel.Error, "Shutdown: writing grain states failed; changes since the last flush are lost.")]
        public static partial void FinalFlushFailed(ILogger logger, Exception exception);
    }
}
