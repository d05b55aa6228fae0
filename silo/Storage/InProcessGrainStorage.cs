using System.Collections.Concurrent;
using System.Globalization;
using GrainLimiter.Grains.Persistence;
using Orleans.Storage;

namespace GrainLimiter.Silo.Storage;

/// <summary>The limit grains' in-memory storage for a single silo: a dictionary in the process, with ETags.</summary>
/// <remarks>
/// Orleans' MemoryGrainStorage keeps states in storage grains so that every silo of a cluster sees them; each write is
/// a grain call (a message, a copy of the state, a turn of the storage grain), which cost more than the decisions
/// themselves. A single silo (<c>Membership</c> = <c>none</c>) has nobody to share with, so it keeps the compact
/// state bytes here. The bytes are never changed once written (the grain writes a new array each time), so storing and
/// returning the same array is safe.
/// </remarks>
public sealed class InProcessGrainStorage : IGrainStorage
{
    private readonly ConcurrentDictionary<GrainId, Entry> _entries = new();
    private long _version;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var state = Limits(grainState);
        if (_entries.TryGetValue(grainId, out var entry))
        {
            state.State = new LimitGrainState { Data = entry.Data };
            (state.ETag, state.RecordExists) = (entry.ETag, true);
        }
        else
        {
            state.State = new LimitGrainState();
            (state.ETag, state.RecordExists) = (null, false);
        }

        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var state = Limits(grainState);
        var written = new Entry(NextETag(), state.State?.Data ?? []);
        if (state.ETag is null)
        {
            if (!_entries.TryAdd(grainId, written))
            {
                throw Conflict(grainId, state.ETag);
            }
        }
        else if (!_entries.TryGetValue(grainId, out var current) || current.ETag != state.ETag || !_entries.TryUpdate(grainId, written, current))
        {
            throw Conflict(grainId, state.ETag);
        }

        (state.ETag, state.RecordExists) = (written.ETag, true);
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var state = Limits(grainState);
        if (state.ETag is not null
            && (!_entries.TryGetValue(grainId, out var current) || current.ETag != state.ETag
                || !_entries.TryRemove(new KeyValuePair<GrainId, Entry>(grainId, current))))
        {
            throw Conflict(grainId, state.ETag);
        }

        (state.ETag, state.RecordExists) = (null, false);
        return Task.CompletedTask;
    }

    private string NextETag() => Interlocked.Increment(ref _version).ToString(CultureInfo.InvariantCulture);

    private static IGrainState<LimitGrainState> Limits<T>(IGrainState<T> grainState) =>
        grainState as IGrainState<LimitGrainState>
        ?? throw new NotSupportedException($"{nameof(InProcessGrainStorage)} keeps limit grain states only, not {typeof(T).Name}.");

    private static InconsistentStateException Conflict(GrainId grainId, string? etag) =>
        new($"The stored state of {grainId} changed since ETag '{etag}' was read.", "", etag ?? "");

    // A reference type: ConcurrentDictionary swaps it atomically, and TryUpdate compares it by reference.
    private sealed record Entry(string ETag, byte[] Data);
}
