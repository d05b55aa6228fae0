using System.Globalization;

namespace GrainLimiter.Silo.Tests.Regions;

/// <summary>Scrapes every region's <c>/metrics</c> while a test runs and keeps the largest <c>grainlimiter_region_sync_lag_seconds</c>
/// seen: the measured lag the overshoot bound is computed from (on a shared machine it exceeds the sync interval).</summary>
public sealed class SyncLagSampler(IReadOnlyList<RegionClusters.Region> regions)
{
    private const string Metric = "grainlimiter_region_sync_lag_seconds";
    private double _max;

    public TimeSpan MaxLag => TimeSpan.FromSeconds(Volatile.Read(ref _max));

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            foreach (var silo in regions.SelectMany(static r => r.Silos))
            {
                if (silo is null || silo.HasExited)
                {
                    continue;
                }

                try
                {
                    var text = await silo.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative), stop);
                    foreach (var line in text.Split('\n').Where(static l => l.StartsWith(Metric + "{", StringComparison.Ordinal)))
                    {
                        var value = double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
                        Volatile.Write(ref _max, Math.Max(Volatile.Read(ref _max), value));
                    }
                }
                catch (Exception e) when (e is HttpRequestException or OperationCanceledException)
                {
                    // A killed region, or the end of the run.
                }
            }

            try
            {
                await Task.Delay(20, stop); // sampling period of the gauge
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
