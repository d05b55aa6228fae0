using System.Diagnostics;
using GrainLimiter.Grains;
using GrainLimiter.Grains.Regions;
using GrainLimiter.Silo.Config;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Regions;

/// <summary>The silo's side of region sync that grains see: queues of changed global keys per peer, and which peers answer.</summary>
public sealed class RegionLink : IRegionLink
{
    private readonly Peer[] _peers;
    private long _partitionEpoch;
    private long _partitions;

    public RegionLink(IOptions<SiloOptions> silo, IOptions<RegionSyncOptions> options)
    {
        Region = silo.Value.Region;
        // Bad settings stop start-up (RegionSyncOptionsValidator); until then they must not throw here.
        _peers = options.Value.Peers
            .Select(p => new Peer(p?.Name ?? "", Uri.TryCreate(p?.Url, UriKind.Absolute, out var url) ? url : new Uri("http://invalid.invalid"),
                new PeerQueue(Math.Max(1, options.Value.QueueCapacity))))
            .ToArray();
        Regions = [Region, .. _peers.Select(static p => p.Name)];
    }

    public string Region { get; }

    /// <summary>This region and every peer, as configured (the only region names a push may carry).</summary>
    public IReadOnlyList<string> Regions { get; }

    internal IReadOnlyList<Peer> Peers => _peers;

    public RegionHealth Health => new(_peers.Length + 1, Volatile.Read(ref _partitionEpoch));

    public void Publish(string policy, string key, GlobalCounts counts)
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var peer in _peers)
        {
            peer.Queue.Enqueue(policy, key, counts, now);
        }
    }

    /// <summary>Records whether a peer answered its last push; a peer going down starts a new partition epoch.</summary>
    internal void Reachable(Peer peer, bool up)
    {
        if (peer.Up == up)
        {
            return;
        }

        peer.Up = up;
        if (!up)
        {
            Volatile.Write(ref _partitionEpoch, Interlocked.Increment(ref _partitions));
        }
        else if (_peers.All(static p => p.Up))
        {
            Volatile.Write(ref _partitionEpoch, 0);
        }
    }

    /// <summary>One peer region: where to push, what waits for it, whether it answered last time.</summary>
    internal sealed class Peer(string name, Uri url, PeerQueue queue)
    {
        public string Name { get; } = name;

        public Uri Url { get; } = url;

        public PeerQueue Queue { get; } = queue;

        private volatile bool _up = true;

        public bool Up
        {
            get => _up;
            set => _up = value;
        }
    }
}
