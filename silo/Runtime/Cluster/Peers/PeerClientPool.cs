using System.Collections.Concurrent;
using GrainLimiter.Protocol.Peer.V1;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Runtime.Cluster.Peers;

/// <summary>The <see cref="IPeerTransport"/> over HTTP/2: one <see cref="PeerClient"/> per peer, made on first use.</summary>
public sealed class PeerClientPool(IOptions<ClusterOptions> options, TimeProvider time) : IPeerTransport, IAsyncDisposable
{
    private readonly ClusterOptions _options = options.Value;
    private readonly TimeProvider _time = time;

    // Lazy: two callers racing for a new peer must not both start a batcher (one would leak its loop).
    private readonly ConcurrentDictionary<string, Lazy<PeerClient>> _clients = new(StringComparer.Ordinal);

    /// <summary>Operations queued or in flight to every peer (bounded by queue capacity + batches in flight per peer).</summary>
    public int Pending => _clients.Values.Where(static c => c.IsValueCreated).Sum(static c => c.Value.Pending);

    public Task<GrainResult> DecideAsync(string peer, GrainOp operation, CancellationToken cancellationToken) => Client(peer).DecideAsync(operation);

    public Task<PingResponse> PingAsync(string peer, TimeSpan timeout, CancellationToken cancellationToken) =>
        Client(peer).PingAsync(timeout, cancellationToken);

    public Task AnnounceAsync(string peer, int status, CancellationToken cancellationToken) =>
        Client(peer).AnnounceAsync(status, cancellationToken);

    public async ValueTask RetainAsync(IReadOnlySet<string> peers)
    {
        foreach (var peer in _clients.Keys.Where(p => !peers.Contains(p)).ToList())
        {
            if (_clients.TryRemove(peer, out var client))
            {
                await client.Value.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private PeerClient Client(string peer) =>
        _clients.GetOrAdd(peer, static (p, pool) => new Lazy<PeerClient>(() => new PeerClient(pool._options.AdvertisedAddress ?? "", p, pool._options, pool._time)), this).Value;

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values.Where(static c => c.IsValueCreated))
        {
            await client.Value.DisposeAsync().ConfigureAwait(false);
        }

        _clients.Clear();
    }
}
