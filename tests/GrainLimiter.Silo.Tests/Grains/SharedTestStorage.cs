using System.Collections.Concurrent;
using GrainLimiter.Grains.Persistence;
using Orleans.Storage;

namespace GrainLimiter.Silo.Tests.Grains;

/// <summary>Grain storage shared by every silo of the in-process test cluster, with ETags, and reads or writes that can be made to fail.</summary>
/// <remarks>A test double for Redis where the test needs to inject an outage or a second writer; process tests use real Redis.</remarks>
public sealed class SharedTestStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<GrainId, (string ETag, byte[] Data)> _records = new();
    private long _writes;

    public bool FailReads { get; set; }

    public bool FailWrites { get; set; }

    /// <summary>Writes are stored, but the writer is told they failed: the store died, or the command timed out, after running it.</summary>
    public bool LoseWriteReplies { get; set; }

    public long Writes => Interlocked.Read(ref _writes);

    public bool TryGet(GrainId grain, out byte[] data)
    {
        var found = _records.TryGetValue(grain, out var record);
        data = record.Data;
        return found;
    }

    /// <summary>Another writer (a second activation after a partition) replaces the record: its ETag changes.</summary>
    public void WriteAsAnotherActivation(GrainId grain, byte[] data) => _records[grain] = (Guid.NewGuid().ToString("N"), data);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (FailReads)
        {
            throw new IOException("store down (test)");
        }

        if (_records.TryGetValue(grainId, out var record) && grainState is IGrainState<LimitGrainState> limits)
        {
            limits.State = new LimitGrainState { Data = record.Data };
            grainState.ETag = record.ETag;
            grainState.RecordExists = true;
        }
        else
        {
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (FailWrites)
        {
            throw new IOException("store down (test)");
        }

        lock (_records)
        {
            var current = _records.TryGetValue(grainId, out var record) ? record.ETag : null;
            if (current != grainState.ETag)
            {
                throw new InconsistentStateException($"ETag {grainState.ETag} is not the stored {current}.", current ?? "", grainState.ETag ?? "");
            }

            var etag = Guid.NewGuid().ToString("N");
            _records[grainId] = (etag, ((LimitGrainState)(object)grainState.State!).Data ?? []);
            Interlocked.Increment(ref _writes);
            if (LoseWriteReplies)
            {
                throw new IOException("store died after running the write (test)");
            }

            grainState.ETag = etag;
            grainState.RecordExists = true;
        }

        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        lock (_records)
        {
            var current = _records.TryGetValue(grainId, out var record) ? record.ETag : null;
            if (current != grainState.ETag)
            {
                throw new InconsistentStateException($"ETag {grainState.ETag} is not the stored {current}.", current ?? "", grainState.ETag ?? "");
            }

            _records.TryRemove(grainId, out _);
            grainState.ETag = null;
            grainState.RecordExists = false;
        }

        return Task.CompletedTask;
    }
}
