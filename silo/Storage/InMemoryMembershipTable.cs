using GrainLimiter.Membership;

namespace GrainLimiter.Silo.Storage;

/// <summary>The membership table of a single silo (or of silos in one process): same rules as the Redis table, no I/O.</summary>
public sealed class InMemoryMembershipTable : IMembershipTable
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, SiloEntry> _entries = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly MembershipTableOptions _options;
    private long _version;

    public InMemoryMembershipTable(MembershipTableOptions? options = null, TimeProvider? time = null)
    {
        _options = options ?? new MembershipTableOptions();
        _time = time ?? TimeProvider.System;
    }

    public ValueTask<bool> RegisterAsync(string siloId, string address, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(siloId);
        ArgumentException.ThrowIfNullOrEmpty(address);
        lock (_lock)
        {
            if (_entries.TryGetValue(siloId, out SiloEntry? previous) && previous.Status == SiloStatus.Dead)
            {
                return ValueTask.FromResult(false);
            }

            _entries[siloId] = new SiloEntry(siloId, address, startedAt, SiloStatus.Joining, _time.GetUtcNow());
            _version++;
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<bool> UpdateStatusAsync(string siloId, SiloStatus status, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(siloId, out SiloEntry? entry) || entry.Status == SiloStatus.Dead)
            {
                return ValueTask.FromResult(false);
            }

            _entries[siloId] = entry with { Status = status, LastHeartbeat = _time.GetUtcNow() };
            if (entry.Status != status)
            {
                _version++;
            }

            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<bool> HeartbeatAsync(string siloId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            if (!_entries.TryGetValue(siloId, out SiloEntry? entry) || entry.Status == SiloStatus.Dead)
            {
                return ValueTask.FromResult(false);
            }

            _entries[siloId] = entry with { LastHeartbeat = _time.GetUtcNow() };
            return ValueTask.FromResult(true);
        }
    }

    public ValueTask<MembershipView> ReadAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset now = _time.GetUtcNow();
        lock (_lock)
        {
            bool changed = false;
            foreach (SiloEntry entry in _entries.Values.ToList())
            {
                TimeSpan silence = now - entry.LastHeartbeat;
                SiloEntry current = entry;
                if (current.Status != SiloStatus.Dead && silence > _options.DeadAfter)
                {
                    current = current with { Status = SiloStatus.Dead };
                    _entries[current.SiloId] = current;
                    changed = true;
                }

                if (current.Status == SiloStatus.Dead && silence > _options.RemoveDeadAfter)
                {
                    _entries.Remove(current.SiloId);
                    changed = true;
                }
            }

            if (changed)
            {
                _version++;
            }

            List<SiloEntry> entries = [.. _entries.Values];
            entries.Sort(static (a, b) => string.CompareOrdinal(a.SiloId, b.SiloId));
            return ValueTask.FromResult(new MembershipView(_version, entries));
        }
    }
}
