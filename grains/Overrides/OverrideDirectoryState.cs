namespace GrainLimiter.Grains.Overrides;

/// <summary>What the override directory keeps: every key's override, by limit grain key.</summary>
[GenerateSerializer, Alias("GrainLimiter.OverrideDirectoryState")]
public sealed class OverrideDirectoryState
{
    [Id(0)]
    public Dictionary<string, OverrideEntry> Entries { get; set; } = new(StringComparer.Ordinal);
}
