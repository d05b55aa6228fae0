namespace GrainLimiter.Silo.Runtime.Cluster.Peers;

/// <summary>Names and bounds of the peer API (<c>grainlimiter.peer.v1.Peer</c>, see peer.proto).</summary>
public static class PeerProtocol
{
    public const string Service = "grainlimiter.peer.v1.Peer";
    public const string Decide = "Decide";
    public const string Ping = "Ping";
    public const string Announce = "Announce";

    /// <summary>Most operations one Decide call may carry; a receiver refuses more (RESOURCE_EXHAUSTED).</summary>
    public const int MaxOpsPerBatch = 10_000;

    public static string PathOf(string method) => $"/{Service}/{method}";
}
