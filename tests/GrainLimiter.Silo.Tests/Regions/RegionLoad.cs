using System.Diagnostics;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Regions;

/// <summary>Callers checking one key in every region at once, each region paced at a rate; counts answers per region.</summary>
public sealed class RegionLoad(IReadOnlyList<RegionClusters.Region> regions, string policy, string key)
{
    private readonly long[] _admitted = new long[regions.Count];
    private readonly long[] _denied = new long[regions.Count];
    private readonly long[] _errors = new long[regions.Count];
    private readonly long[] _lastAdmittedTicks = new long[regions.Count];
    private readonly long[] _firstAdmittedTicks = new long[regions.Count];
    private readonly Stopwatch _clock = new();
    private long _calls;

    public long Admitted(int region) => Interlocked.Read(ref _admitted[region]);

    public long Denied(int region) => Interlocked.Read(ref _denied[region]);

    public long Errors(int region) => Interlocked.Read(ref _errors[region]);

    public long TotalAdmitted => Enumerable.Range(0, regions.Count).Sum(Admitted);

    /// <summary>Admitted per second per region among <paramref name="included"/>, from the first admission among them to the last.</summary>
    public double RegionRate(params int[] included)
    {
        var first = included.Min(r => Interlocked.Read(ref _firstAdmittedTicks[r]));
        var last = included.Max(r => Interlocked.Read(ref _lastAdmittedTicks[r]));
        return included.Sum(Admitted) / Math.Max(0.001, TimeSpan.FromTicks(last - first).TotalSeconds) / included.Length;
    }

    /// <summary>Runs until <paramref name="stop"/>; regions in <paramref name="active"/> only (all when null), each at
    /// <paramref name="perRegionRate"/> checks/s.</summary>
    public Task RunAsync(double perRegionRate, int callersPerRegion, CancellationToken stop, Func<int, bool>? active = null)
    {
        _clock.Start();
        var interval = TimeSpan.FromSeconds(callersPerRegion / perRegionRate);
        return Task.WhenAll(Enumerable.Range(0, regions.Count).SelectMany(r => Enumerable.Range(0, callersPerRegion).Select(c => Task.Run(async () =>
        {
            var next = _clock.Elapsed + (interval * c / callersPerRegion);
            while (!stop.IsCancellationRequested)
            {
                var wait = next - _clock.Elapsed;
                next += interval;
                if (wait > TimeSpan.Zero)
                {
                    try
                    {
                        // Pacing, not waiting for a condition: the load's rate is the measured quantity.
                        await Task.Delay(wait, stop);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }

                if (active is not null && !active(r))
                {
                    continue;
                }

                await CheckAsync(r);
            }
        }))));
    }

    private async Task CheckAsync(int region)
    {
        try
        {
            // Round robin over the region's fronts: a key's grain may live on any silo of the region.
            var silos = regions[region].Silos;
            var front = silos[(int)(Interlocked.Increment(ref _calls) % silos.Length)]!;
            using var response = await front.Http.CheckAsync(policy, key);
            if (response.StatusCode == System.Net.HttpStatusCode.OK)
            {
                Interlocked.Increment(ref _admitted[region]);
                var now = _clock.Elapsed.Ticks;
                Interlocked.CompareExchange(ref _firstAdmittedTicks[region], now, 0);
                Interlocked.Exchange(ref _lastAdmittedTicks[region], now);
            }
            else if (response.StatusCode == System.Net.HttpStatusCode.TooManyRequests)
            {
                Interlocked.Increment(ref _denied[region]);
            }
            else
            {
                Interlocked.Increment(ref _errors[region]);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref _errors[region]);
        }
    }
}
