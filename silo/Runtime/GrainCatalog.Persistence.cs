using GrainLimiter.Grains;
using GrainLimiter.Storage;

namespace GrainLimiter.Silo.Runtime;

public sealed partial class GrainCatalog
{
    // Bounds how long one flush holds a shard's lock, so decisions never wait behind a big flush.
    private const int SnapshotChunk = 256;

    /// <summary>Writes every dirty grain's state to the store, in batches; grains whose write fails stay dirty.</summary>
    /// <returns>How many states were written.</returns>
    public async Task<int> FlushAsync(long now, int maxBatch, CancellationToken cancellationToken)
    {
        var written = 0;
        var batch = new List<GrainStateWrite>(maxBatch);
        var grains = new List<KeyLimits>(maxBatch);
        foreach (var shard in _shards)
        {
            List<KeyLimits> dirty;
            lock (shard.Gate)
            {
                dirty = shard.Dirty;
                shard.Dirty = [];
            }

            for (var start = 0; start < dirty.Count; start += SnapshotChunk)
            {
                lock (shard.Gate)
                {
                    foreach (var grain in dirty.Skip(start).Take(SnapshotChunk))
                    {
                        if (grain.IsDirty)
                        {
                            batch.Add(new GrainStateWrite(grain.Id, GrainStateCodec.Write(grain), grain.FreshAfter(now)));
                            grains.Add(grain);
                            grain.IsDirty = false;
                        }
                    }
                }

                if (batch.Count >= maxBatch)
                {
                    written += await WriteBatchAsync(batch, grains, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return written + await WriteBatchAsync(batch, grains, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deactivates grains unused since the previous sweep. Their state is written by the next flush.</summary>
    public int DeactivateIdle()
    {
        var deactivated = 0;
        foreach (var shard in _shards)
        {
            lock (shard.Gate) deactivated += shard.DeactivateIdle();
        }

        return deactivated;
    }

    private async Task<int> WriteBatchAsync(List<GrainStateWrite> batch, List<KeyLimits> grains, CancellationToken cancellationToken)
    {
        if (batch.Count == 0)
        {
            return 0;
        }

        try
        {
            await _store.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            foreach (var grain in grains)
            {
                var shard = ShardOf(grain.Id);
                lock (shard.Gate)
                {
                    // Written and not re-activated since: it can go for good.
                    if (!grain.IsDirty && shard.Deactivating.TryGetValue(grain.Id, out var parked) && parked == grain)
                    {
                        shard.Deactivating.Remove(grain.Id);
                    }
                }
            }

            return batch.Count;
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.FlushFailed(_logger, batch.Count, e);
            Interlocked.Add(ref _failedStateWrites, batch.Count);
            foreach (var grain in grains)
            {
                MarkDirty(grain);
            }

            throw;
        }
        finally
        {
            batch.Clear();
            grains.Clear();
        }
    }

    private void MarkDirty(KeyLimits grain)
    {
        var shard = ShardOf(grain.Id);
        lock (shard.Gate)
        {
            if (!grain.IsDirty)
            {
                grain.IsDirty = true;
                shard.Dirty.Add(grain);
            }
        }
    }
}
