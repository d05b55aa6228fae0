using GrainLimiter.Protocol.Peer.V1;

namespace GrainLimiter.Silo.Runtime.Cluster.Peers;

/// <summary>How a silo talks to its peers. Every failure is a <see cref="PeerUnavailableException"/>.</summary>
public interface IPeerTransport
{
    /// <summary>Runs one grain operation on <paramref name="peer"/>, batched with others bound for it.</summary>
    Task<GrainResult> DecideAsync(string peer, GrainOp operation, CancellationToken cancellationToken);

    Task<PingResponse> PingAsync(string peer, TimeSpan timeout, CancellationToken cancellationToken);

    Task AnnounceAsync(string peer, int status, CancellationToken cancellationToken);

    /// <summary>Closes the connections of peers not in <paramref name="peers"/>.</summary>
    ValueTask RetainAsync(IReadOnlySet<string> peers);
}
