namespace GrainLimiter.Grains.Regions;

/// <summary>What a global key needs to know of the regions: how many there are, and whether a peer is down.</summary>
/// <param name="Regions">Every region, this one included.</param>
/// <param name="PartitionEpoch">0 while every peer answers; a new number each time a peer goes down, so each key takes
/// its fair share of what remains once per partition.</param>
public readonly record struct RegionHealth(int Regions, long PartitionEpoch)
{
    /// <summary>One region, nothing to wait for.</summary>
    public static RegionHealth Alone { get; } = new(1, 0);
}
