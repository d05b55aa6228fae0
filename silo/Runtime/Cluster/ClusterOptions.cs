namespace GrainLimiter.Silo.Runtime.Cluster;

/// <summary>The <c>GrainLimiter:Cluster</c> configuration section (environment: <c>GrainLimiter__Cluster__Name</c>).</summary>
public sealed class ClusterOptions
{
    public const string Section = "GrainLimiter:Cluster";

    /// <summary>Header carrying the cluster secret on every peer call.</summary>
    public const string SecretHeader = "x-grainlimiter-peer-secret";

    /// <summary><c>none</c> (one silo), <c>static</c> (<see cref="Peers"/>), <c>dns</c> (<see cref="DnsName"/>) or <c>redis</c> (membership table).</summary>
    public string Membership { get; set; } = MembershipKinds.None;

    /// <summary>Static membership: every silo's peer address (<c>host:port</c>), this one included; comma-separated in one variable.</summary>
    public string? Peers { get; set; }

    /// <summary>DNS membership: a name whose A/AAAA records are the silos (a Kubernetes headless service).</summary>
    public string? DnsName { get; set; }

    /// <summary>DNS membership: the peer port every resolved address is reached on. 0: the port of <see cref="AdvertisedAddress"/>.</summary>
    public int DnsPort { get; set; }

    /// <summary>How often the DNS name is resolved again.</summary>
    public TimeSpan DnsRefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Where peers reach this silo's peer endpoint (<c>host:port</c>); must be one of the addresses membership yields.</summary>
    public string? AdvertisedAddress { get; set; }

    /// <summary>Shared secret every peer call carries; at least 16 characters. Required in every multi-silo mode.</summary>
    public string? Secret { get; set; }

    /// <summary>Redis membership: silos with the same id see each other.</summary>
    public string ClusterId { get; set; } = "default";

    /// <summary>A batch to one peer is sent once it holds this many operations (1: no batching).</summary>
    public int BatchSize { get; set; } = 1000;

    /// <summary>...or once its first operation has waited this long (gubernator: 500 µs). Zero: send what is queued at once.</summary>
    public TimeSpan BatchDelay { get; set; } = TimeSpan.FromMicroseconds(500);

    /// <summary>Operations waiting for one peer; when full, new ones fail at once (the policy's failure mode answers).</summary>
    public int PeerQueueCapacity { get; set; } = 10_000;

    /// <summary>Batches to one peer in flight at once on its HTTP/2 connection.</summary>
    public int MaxBatchesInFlight { get; set; } = 8;

    /// <summary>Deadline of one peer call; an operation not answered by then fails (failure mode answers).</summary>
    public TimeSpan PeerTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest peer message accepted or sent, bytes.</summary>
    public int MaxPeerMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>How often membership is read again (Redis table) and this silo heartbeats.</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Failure detection: probes and how long a silent peer stays suspect before it is dead.</summary>
    public FailureDetectionOptions FailureDetection { get; set; } = new();

    /// <summary>Graceful leave (SIGTERM): announce, stop taking work, flush and hand off within this time, then exit.</summary>
    public TimeSpan LeaveTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Re-routes of one operation answered "not owner" before the failure mode answers.</summary>
    public int MaxReroutes { get; set; } = 3;

    public bool IsMultiSilo => Membership != MembershipKinds.None;
}
