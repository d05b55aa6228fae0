namespace GrainLimiter.Silo.Regions;

/// <summary>The <c>GrainLimiter:Regions</c> section: the peer regions global keys are counted with, and how sync is bounded.</summary>
/// <remarks>This region's own name is <c>GrainLimiter:Region</c> (<see cref="Config.SiloOptions.Region"/>). No peers: one region, no sync.</remarks>
public sealed class RegionSyncOptions
{
    public const string Section = "GrainLimiter:Regions";

    /// <summary>The other regions: <c>GrainLimiter__Regions__Peers__0__Name</c>, <c>GrainLimiter__Regions__Peers__0__Url</c> (its gRPC port).</summary>
    public List<RegionPeer> Peers { get; set; } = [];

    /// <summary>Shared by every region; sent as metadata on each push and compared in constant time. Required with peers.</summary>
    public string? Secret { get; set; }

    /// <summary>A PEM file of the CAs that issued peers' certificates (https:// peers), trusted besides the system store.</summary>
    public string? CaFile { get; set; }

    /// <summary>How often changed global keys are pushed to every peer; also the unit of the overshoot bound.</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Most keys in one push (sent and accepted).</summary>
    public int BatchSize { get; set; } = 1_000;

    /// <summary>Most keys waiting for one peer; beyond it the oldest waiting key's counts are dropped (its next change sends them again).</summary>
    public int QueueCapacity { get; set; } = 100_000;

    /// <summary>Largest push message, sent and accepted (RESOURCE_EXHAUSTED above it).</summary>
    public int MaxMessageBytes { get; set; } = 1024 * 1024;

    /// <summary>How long a push may take before the peer counts as down.</summary>
    public TimeSpan PushTimeout { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>One peer region: its name (as it calls itself in <c>GrainLimiter:Region</c>) and the URL of its gRPC port.</summary>
public sealed class RegionPeer
{
    public string? Name { get; set; }

    public string? Url { get; set; }
}
