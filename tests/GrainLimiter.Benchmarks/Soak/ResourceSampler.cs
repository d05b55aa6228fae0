using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Soak;

/// <summary>Samples every running silo of a <see cref="SoakCluster"/> (resident memory, threads, open handles, TCP
/// connections; <see cref="ProcessStats"/>) every <see cref="SoakSettings.SampleInterval"/> until stopped.</summary>
internal sealed class ResourceSampler(SoakCluster cluster, Func<TimeSpan> clock, TimeSpan interval)
{
    private readonly List<(string Process, TimeSpan At, ProcessStats Stats)> _samples = [];

    public IReadOnlyList<(string Process, TimeSpan At, ProcessStats Stats)> Samples
    {
        get
        {
            lock (_samples)
            {
                return [.. _samples];
            }
        }
    }

    public async Task RunAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            SampleOnce();
            try
            {
                await Task.Delay(interval, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        SampleOnce();
    }

    /// <summary>The highest value any sample of any silo had.</summary>
    public ProcessStats Peak() => Samples.Select(static s => s.Stats).Aggregate(default(ProcessStats), static (peak, s) => new ProcessStats(
        Math.Max(peak.ResidentBytes, s.ResidentBytes), Math.Max(peak.PeakResidentBytes, s.PeakResidentBytes), Math.Max(peak.Threads, s.Threads),
        Math.Max(peak.OpenHandles, s.OpenHandles), Math.Max(peak.TcpConnections, s.TcpConnections)));

    /// <summary>Each measure of each silo fitted over its samples taken <paramref name="warmUp"/> after its first one.</summary>
    public IReadOnlyList<Trend> Trends(TimeSpan warmUp) =>
        Samples.GroupBy(static s => s.Process).SelectMany(process =>
        {
            var start = process.Min(static s => s.At) + warmUp;
            var kept = process.Where(s => s.At >= start).ToList();
            IReadOnlyList<(double, double)> Series(Func<ProcessStats, double> value) => kept.Select(s => (s.At.TotalMinutes, value(s.Stats))).ToList();
            return new[]
            {
                Trend.Fit(process.Key, Trend.Resident, Series(static s => s.ResidentBytes / 1048576.0)),
                Trend.Fit(process.Key, Trend.Threads, Series(static s => s.Threads)),
                Trend.Fit(process.Key, Trend.Handles, Series(static s => s.OpenHandles)),
                Trend.Fit(process.Key, Trend.Tcp, Series(static s => s.TcpConnections)),
            };
        }).ToList();

    private void SampleOnce()
    {
        var at = clock();
        foreach (var (name, silo) in cluster.All)
        {
            if (!silo.Process.HasExited && ProcessStats.Of(silo.Process.Id) is { ResidentBytes: > 0 } stats)
            {
                lock (_samples)
                {
                    _samples.Add((name, at, stats));
                }
            }
        }
    }
}
