using System.Diagnostics;
using System.Diagnostics.Metrics;
using GrainLimiter.Silo.Observability;

namespace GrainLimiter.Silo.Regions;

/// <summary>Region sync's instruments on the GrainLimiter meter: lag, deltas sent/received/dropped and peer up, by peer.</summary>
public sealed class RegionSyncMetrics
{
    private readonly Counter<long> _sent;
    private readonly Counter<long> _received;

    public RegionSyncMetrics(IMeterFactory meters, RegionLink link)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(link);
        var meter = meters.Create(MetricNames.Meter);
        _sent = meter.CreateCounter<long>(MetricNames.RegionDeltasSent, description: "Key counts pushed to a peer region and acknowledged.");
        _received = meter.CreateCounter<long>(MetricNames.RegionDeltasReceived, description: "Key counts received from a peer region and merged.");
        meter.CreateObservableCounter(MetricNames.RegionDeltasDropped, () => link.Peers.Select(static p => new Measurement<long>(p.Queue.Dropped, Tag(p.Name))),
            description: "Key counts dropped because a peer region's queue was full.");
        meter.CreateObservableGauge(MetricNames.RegionPeerUp, () => link.Peers.Select(static p => new Measurement<int>(p.Up ? 1 : 0, Tag(p.Name))),
            description: "1 while a peer region answers its pushes.");
        meter.CreateObservableGauge(MetricNames.RegionSyncLag,
            () => link.Peers.Select(static p => new Measurement<double>(Lag(p.Queue.OldestUnacknowledged()), Tag(p.Name))),
            unit: "s", description: "Age of the oldest counts a peer region has not acknowledged.");
    }

    public void Sent(string peer, int keys) => _sent.Add(keys, Tag(peer));

    public void Received(string peer, int keys) => _received.Add(keys, Tag(peer));

    private static double Lag(long since) => since == 0 ? 0 : Stopwatch.GetElapsedTime(since).TotalSeconds;

    private static KeyValuePair<string, object?> Tag(string peer) => new("peer", peer);
}
