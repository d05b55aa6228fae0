using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using GrainLimiter.Storage;

namespace GrainLimiter.Silo.Storage;

/// <summary>Grain states kept in this process: the single-silo default. Lost when the silo stops.</summary>
/// <remarks>Entries expire with their TTL, as Redis keys do, so deactivated grains do not pile up.</remarks>
public sealed class MemoryGrainStateStore(TimeProvider time) : IGrainStateStore
{
    private readonly ConcurrentDictionary<GrainId, (byte[] State, long ExpiresAt)> _states = new();
    private long _nextSweep;

    public int Count => _states.Count;

    public ValueTask<byte[]?> LoadAsync(GrainId id, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcTicks;
        return ValueTask.FromResult(_states.TryGetValue(id, out var entry) && entry.ExpiresAt > now ? entry.State : null);
    }

    public ValueTask WriteAsync(IReadOnlyList<GrainStateWrite> writes, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow().UtcTicks;
        foreach (var write in writes)
        {
            if (write.TimeToLive <= TimeSpan.Zero)
            {
                _states.TryRemove(write.Id, out _);
            }
            else
            {
                _states[write.Id] = (OwnedArray(write.State), now + write.TimeToLive.Ticks);
            }
        }

        SweepExpired(now);
        return ValueTask.CompletedTask;
    }

    public ValueTask DeleteAsync(GrainId id, CancellationToken cancellationToken)
    {
        _states.TryRemove(id, out _);
        return ValueTask.CompletedTask;
    }

    // The catalog hands over a fresh array per state; keep it rather than copy it again.
    private static byte[] OwnedArray(ReadOnlyMemory<byte> state) =>
        MemoryMarshal.TryGetArray(state, out var segment) && segment.Offset == 0 && segment.Count == segment.Array!.Length ? segment.Array : state.ToArray();

    private void SweepExpired(long now)
    {
        if (now < Interlocked.Read(ref _nextSweep))
        {
            return;
        }

        Interlocked.Exchange(ref _nextSweep, now + TimeSpan.TicksPerMinute);
        foreach (var (id, entry) in _states)
        {
            if (entry.ExpiresAt <= now)
            {
                _states.TryRemove(id, out _);
            }
        }
    }
}
