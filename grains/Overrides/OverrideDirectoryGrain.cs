using System.Collections.Immutable;

namespace GrainLimiter.Grains.Overrides;

/// <summary>The cluster's list of overrides (<see cref="IOverrideDirectoryGrain"/>), written through to the admin storage.</summary>
/// <remarks>Expired entries are dropped at each call (by the silo's clock); decisions never call this grain.</remarks>
public sealed class OverrideDirectoryGrain(
    [PersistentState(OverrideDirectoryGrain.StateName, LimitGrainOptions.AdminStorageName)] IPersistentState<OverrideDirectoryState> stored,
    TimeProvider time) : Grain, IOverrideDirectoryGrain
{
    public const string StateName = "overrides";

    // Starts from the activation time so a reactivated grain never repeats an earlier number.
    private long _version = DateTime.UtcNow.Ticks;

    private Dictionary<string, OverrideEntry> Entries => stored.State.Entries;

    public ValueTask<long> VersionAsync() => ValueTask.FromResult(_version);

    public async ValueTask<bool> PutAsync(OverrideEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Prune();
        var id = LimitGrainKey.Encode(entry.Policy, entry.Key);
        if (!Entries.ContainsKey(id) && Entries.Count >= IOverrideDirectoryGrain.MaxEntries)
        {
            return false;
        }

        Entries[id] = entry;
        _version++;
        await stored.WriteStateAsync().ConfigureAwait(true);
        return true;
    }

    public async ValueTask RemoveAsync(string policy, string key)
    {
        var pruned = Prune();
        if (Entries.Remove(LimitGrainKey.Encode(policy, key)) || pruned)
        {
            _version++;
            await stored.WriteStateAsync().ConfigureAwait(true);
        }
    }

    public ValueTask<ImmutableArray<OverrideEntry>> ListAsync(string? policy)
    {
        Prune();
        return ValueTask.FromResult(Entries.Values
            .Where(e => policy is null || e.Policy == policy)
            .OrderBy(static e => e.Policy, StringComparer.Ordinal).ThenBy(static e => e.Key, StringComparer.Ordinal)
            .ToImmutableArray());
    }

    // Pruned in memory; the next write stores it (a restart merely prunes again).
    private bool Prune()
    {
        var now = time.GetUtcNow().UtcTicks;
        var expired = Entries.Where(e => !e.Value.Override.InForceAt(now)).Select(static e => e.Key).ToList();
        foreach (var id in expired)
        {
            Entries.Remove(id);
        }

        return expired.Count > 0;
    }
}
