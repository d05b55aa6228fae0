namespace GrainLimiter.Grains.Regions;

/// <summary>The silo's link to the peer regions, as a global key's grain sees it.</summary>
public interface IRegionLink
{
    /// <summary>This region's name.</summary>
    string Region { get; }

    /// <summary>How many regions there are and whether a peer is down now.</summary>
    RegionHealth Health { get; }

    /// <summary>Queues a global key's latest counts for every peer region; a later call for the same key replaces it.</summary>
    void Publish(string policy, string key, GlobalCounts counts);
}

/// <summary>One region and no peers: global keys count this region's hits alone.</summary>
public sealed class NoRegionLink : IRegionLink
{
    public string Region => "";

    public RegionHealth Health => RegionHealth.Alone;

    public void Publish(string policy, string key, GlobalCounts counts)
    {
    }
}
