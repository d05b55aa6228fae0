using GrainLimiter.Grains;
using GrainLimiter.Storage;

namespace GrainLimiter.Silo.Runtime;

public sealed partial class GrainCatalog
{
    private volatile Func<GrainId, bool>? _ownership;

    /// <summary>
    /// Drops every grain this silo no longer owns after a membership change, writing the changed ones first so the
    /// new owner loads what this silo decided. From now on a grain this silo does not own is never activated here.
    /// </summary>
    /// <param name="owned">Whether this silo owns a grain in the new view.</param>
    /// <returns>How many states were written.</returns>
    public async Task<int> HandOffAsync(Func<GrainId, bool> owned, long now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(owned);
        // Set before dropping: a call racing the hand-off finds the grain gone and must not re-activate it from a stale store.
        _ownership = owned;
        var writes = new List<GrainStateWrite>();
        foreach (var shard in _shards)
        {
            lock (shard.Gate)
            {
                foreach (var grain in shard.Active.Values.Where(g => !owned(g.Id)).ToList())
                {
                    Snapshot(grain, writes, now);
                    shard.Deactivate(grain);
                }

                foreach (var grain in shard.Deactivating.Values.Where(g => !owned(g.Id)).ToList())
                {
                    Snapshot(grain, writes, now);
                    shard.Deactivating.Remove(grain.Id);
                }

                shard.Dirty.RemoveAll(g => !owned(g.Id));
            }
        }

        for (var start = 0; start < writes.Count; start += CatalogMaintenance.FlushBatchSize)
        {
            var chunk = writes.GetRange(start, Math.Min(CatalogMaintenance.FlushBatchSize, writes.Count - start));
            try
            {
                await _store.WriteAsync(chunk, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Nothing to keep them for: this silo no longer owns them. The new owner starts from the last flushed state.
                Log.HandOffWriteFailed(_logger, chunk.Count, e);
            }
        }

        return writes.Count;
    }

    private static void Snapshot(KeyLimits grain, List<GrainStateWrite> writes, long now)
    {
        if (grain.IsDirty)
        {
            writes.Add(new GrainStateWrite(grain.Id, GrainStateCodec.Write(grain), grain.FreshAfter(now)));
            grain.IsDirty = false;
        }
    }

    private bool OwnsLocally(GrainId id) => _ownership is not { } owned || owned(id);
}
