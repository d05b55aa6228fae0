namespace GrainLimiter.Silo.Runtime.Cluster.Peers;

/// <summary>A peer did not answer: unreachable, too slow (deadline), its queue full, or it refused the call.</summary>
public sealed class PeerUnavailableException(string peer, string reason, Exception? inner = null)
    : Exception($"Peer {peer} is unavailable: {reason}", inner)
{
    public string Peer { get; } = peer;
}
