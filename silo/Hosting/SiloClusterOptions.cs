using GrainLimiter.Tls;

namespace GrainLimiter.Silo.Hosting;

/// <summary>The <c>GrainLimiter:Cluster</c> section (environment <c>GrainLimiter__Cluster__Name</c>): Orleans membership and failure detection.</summary>
public sealed class SiloClusterOptions
{
    public const string Section = "GrainLimiter:Cluster";

    public const string None = "none";
    public const string Redis = "redis";
    public const string DistributedDirectory = "distributed";
    public const string LocalDirectory = "local";

    /// <summary><c>none</c> (one silo, localhost clustering) or <c>redis</c> (Orleans Redis clustering on <c>GrainLimiter:Redis</c>).</summary>
    public string Membership { get; set; } = None;

    /// <summary>The grain directory of a <c>redis</c> cluster: <c>distributed</c> (Orleans' strongly consistent one) or
    /// <c>local</c> (Orleans' default).</summary>
    /// <remarks>Every silo of a cluster must use the same one: change it with a new <see cref="ClusterId"/> or all silos stopped.</remarks>
    public string Directory { get; set; } = DistributedDirectory;

    /// <summary>Silos with the same cluster id form one cluster.</summary>
    public string ClusterId { get; set; } = "default";

    /// <summary>Names the stored state: a cluster redeployed with the same service id continues from its counts.</summary>
    public string ServiceId { get; set; } = "grainlimiter";

    /// <summary>Silo-to-silo port.</summary>
    public int SiloPort { get; set; } = 11111;

    /// <summary>Port Orleans clients (gateways joined as clients) connect to.</summary>
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos reach this one at (Kubernetes: the pod IP). Required with <c>redis</c>.</summary>
    public string? AdvertisedIp { get; set; }

    /// <summary>The name the cluster lists this silo under (Kubernetes: the pod name); Orleans makes one up when unset.</summary>
    public string? SiloName { get; set; }

    /// <summary>Runs Microsoft.Orleans.Hosting.Kubernetes with <c>redis</c> membership: off unless set, as Orleans advises.</summary>
    public bool KubernetesHosting { get; set; }

    /// <summary>How long a probe of another silo may take before it counts as missed.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Missed probes after which a silo votes another dead.</summary>
    public int NumMissedProbesLimit { get; set; } = 2;

    /// <summary>Votes that declare a silo dead (1 suits small clusters: one prober decides).</summary>
    public int NumVotesForDeathDeclaration { get; set; } = 1;

    /// <summary>How often each silo re-reads the membership table.</summary>
    public TimeSpan TableRefreshTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>How long a vote counts towards a death declaration.</summary>
    public TimeSpan DeathVoteExpirationTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often a silo writes its I-am-alive time to the table.</summary>
    public TimeSpan IAmAliveTablePublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a grain call may wait for its answer: a call caught by a crash fails within this, not 30 s.</summary>
    public TimeSpan ResponseTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Mutual TLS on the silo and gateway ports (<c>GrainLimiter:Cluster:Tls</c>); plain text unless enabled.</summary>
    public OrleansTlsOptions Tls { get; set; } = new();

    public bool IsMultiSilo => Membership == Redis;

    /// <summary>The environment variable of a <see cref="Tls"/> property (<c>PeerNames:0</c> becomes <c>..._PeerNames__0</c>).</summary>
    public static string TlsSetting(string property) => "GrainLimiter__Cluster__Tls__" + property.Replace(":", "__", StringComparison.Ordinal);
}
