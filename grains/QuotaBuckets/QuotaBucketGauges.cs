using System.Collections.Concurrent;

namespace GrainLimiter.Grains.QuotaBuckets;

/// <summary>What the quota buckets active in this silo report to its metrics, by the <c>quotaBuckets</c> entry they matched.</summary>
public sealed class QuotaBucketGauges
{
    private readonly ConcurrentDictionary<string, Snapshot> _buckets = new(StringComparer.Ordinal);
    private long _abandoned;

    /// <summary>A bucket's latest figures: its entry's name, its limit, the streams' demand and the live assignments.</summary>
    public readonly record struct Snapshot(string Name, long Limit, long Demand, long Reserved, int Streams);

    public long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>The sums per entry name over the buckets of this silo.</summary>
    public IEnumerable<Snapshot> ByName() => _buckets.Values.GroupBy(static b => b.Name, StringComparer.Ordinal)
        .Select(static g => new Snapshot(g.Key, g.Sum(static b => b.Limit), g.Sum(static b => b.Demand), g.Sum(static b => b.Reserved),
            g.Sum(static b => b.Streams)));

    internal void Set(string bucket, Snapshot snapshot) => _buckets[bucket] = snapshot;

    internal void Remove(string bucket) => _buckets.TryRemove(bucket, out _);

    internal void Abandon() => Interlocked.Increment(ref _abandoned);
}
