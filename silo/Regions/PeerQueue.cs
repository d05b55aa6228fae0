using GrainLimiter.Grains;

namespace GrainLimiter.Silo.Regions;

/// <summary>The global keys waiting to be pushed to one peer region: one entry per key, the latest counts replacing older ones.</summary>
/// <remarks>
/// The counts of a key are its whole view, so the latest subsumes every earlier one: coalescing per key loses nothing.
/// Bounded by <see cref="RegionSyncOptions.QueueCapacity"/> keys; a new key beyond it drops the oldest waiting key (counted).
/// </remarks>
internal sealed class PeerQueue(int capacity)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Policy, string Key), Waiting> _waiting = new();
    private readonly Queue<(string Policy, string Key)> _order = new();
    private long _dropped;
    // Timestamp (Stopwatch) of the oldest counts queued or in flight; 0 when none.
    private long _inFlightSince;

    public long Dropped => Interlocked.Read(ref _dropped);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _waiting.Count;
            }
        }
    }

    /// <summary>Queues <paramref name="counts"/> for the key; replaces counts already waiting (keeping their place and age).</summary>
    public void Enqueue(string policy, string key, GlobalCounts counts, long timestamp)
    {
        lock (_gate)
        {
            var id = (policy, key);
            if (_waiting.TryGetValue(id, out var waiting))
            {
                _waiting[id] = waiting with { Counts = counts };
                return;
            }

            while (_waiting.Count >= capacity && _order.TryDequeue(out var oldest))
            {
                if (_waiting.Remove(oldest))
                {
                    _dropped++;
                }
            }

            _waiting[id] = new Waiting(counts, timestamp);
            _order.Enqueue(id);
        }
    }

    /// <summary>Takes up to <paramref name="max"/> keys, oldest first, and marks them in flight.</summary>
    public List<QueuedCounts> Take(int max)
    {
        var taken = new List<QueuedCounts>(Math.Min(max, 64));
        lock (_gate)
        {
            while (taken.Count < max && _order.TryDequeue(out var id))
            {
                if (_waiting.Remove(id, out var waiting))
                {
                    taken.Add(new QueuedCounts(id.Policy, id.Key, waiting.Counts, waiting.Since));
                }
            }

            if (taken.Count > 0 && _inFlightSince == 0)
            {
                _inFlightSince = taken[0].Since;
            }
        }

        return taken;
    }

    /// <summary>The push of <paramref name="batch"/> failed: queues its keys again, unless newer counts of a key already wait.</summary>
    public void Requeue(List<QueuedCounts> batch)
    {
        lock (_gate)
        {
            foreach (var item in batch)
            {
                var id = (item.Policy, item.Key);
                if (_waiting.TryGetValue(id, out var newer))
                {
                    // Keep the older age: the peer has not heard of this key since then.
                    _waiting[id] = newer with { Since = Math.Min(newer.Since, item.Since) };
                }
                else if (_waiting.Count < capacity)
                {
                    _waiting[id] = new Waiting(item.Counts, item.Since);
                    _order.Enqueue(id);
                }
                else
                {
                    _dropped++;
                }
            }

            _inFlightSince = 0;
        }
    }

    /// <summary>The push in flight ended (acknowledged or requeued).</summary>
    public void Settled()
    {
        lock (_gate)
        {
            _inFlightSince = 0;
        }
    }

    /// <summary>Timestamp (Stopwatch) of the oldest counts the peer has not acknowledged; 0 when it has every one.</summary>
    public long OldestUnacknowledged()
    {
        lock (_gate)
        {
            var oldest = _inFlightSince;
            if (_order.TryPeek(out var first) && _waiting.TryGetValue(first, out var waiting))
            {
                oldest = oldest == 0 ? waiting.Since : Math.Min(oldest, waiting.Since);
            }

            return oldest;
        }
    }

    private readonly record struct Waiting(GlobalCounts Counts, long Since);
}

/// <summary>A key's counts taken for a push, with the timestamp they first waited since.</summary>
internal readonly record struct QueuedCounts(string Policy, string Key, GlobalCounts Counts, long Since);
