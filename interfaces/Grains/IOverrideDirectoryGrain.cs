using System.Collections.Immutable;

namespace GrainLimiter.Grains;

/// <summary>The cluster's list of overrides, for <c>GET /admin/v1/overrides</c>: one grain (key 0), its state written
/// through on every change. The overrides themselves live with their keys' grains (<see cref="ILimitGrain.SetOverrideAsync"/>).</summary>
[Alias("GrainLimiter.IOverrideDirectoryGrain")]
public interface IOverrideDirectoryGrain : IGrainWithIntegerKey
{
    /// <summary>The most overrides the cluster keeps; expired ones do not count.</summary>
    const int MaxEntries = 10_000;

    /// <summary>Records (or replaces) the override of a key; false when <see cref="MaxEntries"/> others are in force.</summary>
    [Alias("Put")]
    ValueTask<bool> PutAsync(OverrideEntry entry);

    /// <summary>Forgets the override of a key.</summary>
    [Alias("Remove")]
    ValueTask RemoveAsync(string policy, string key);

    /// <summary>The overrides in force, of <paramref name="policy"/> or (null) of every policy, ordered by policy and key.</summary>
    [Alias("List")]
    ValueTask<ImmutableArray<OverrideEntry>> ListAsync(string? policy);
}

/// <summary>One key's override, as listed.</summary>
[GenerateSerializer, Immutable, Alias("GrainLimiter.OverrideEntry")]
public sealed record OverrideEntry(
    [property: Id(0)] string Policy,
    [property: Id(1)] string Key,
    [property: Id(2)] KeyOverride Override);
