using GrainLimiter.Protocol.Peer.V1;

namespace GrainLimiter.Silo.Runtime.Cluster.Peers;

/// <summary>Everything this silo keeps for one peer: its HTTP/2 connection and the batcher of operations bound for it.</summary>
internal sealed class PeerClient : IAsyncDisposable
{
    private readonly PeerConnection _connection;
    private readonly PeerBatcher<PendingOperation> _batcher;
    private readonly string _self;
    private readonly string _peer;
    private readonly TimeSpan _timeout;

    public PeerClient(string self, string peer, ClusterOptions options, TimeProvider time)
    {
        _self = self;
        _peer = peer;
        _timeout = options.PeerTimeout;
        _connection = new PeerConnection(peer, options.Secret ?? "", options.PeerTimeout, options.MaxPeerMessageBytes);
        _batcher = new PeerBatcher<PendingOperation>(
            Math.Min(options.BatchSize, PeerProtocol.MaxOpsPerBatch), options.BatchDelay, options.PeerQueueCapacity, options.MaxBatchesInFlight, SendAsync, time);
    }

    public int Pending => _batcher.Queued + _batcher.Sending;

    public Task<GrainResult> DecideAsync(GrainOp operation)
    {
        var pending = new PendingOperation(operation);
        return _batcher.TryEnqueue(pending)
            ? pending.Completion.Task
            : Task.FromException<GrainResult>(new PeerUnavailableException(_peer, "its queue is full (the peer is too slow)"));
    }

    public Task<PingResponse> PingAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _connection.CallAsync(PeerProtocol.Ping, new PingRequest { Sender = _self }, PingResponse.Parser, timeout, cancellationToken);

    public Task<AnnounceResponse> AnnounceAsync(int status, CancellationToken cancellationToken) =>
        _connection.CallAsync(PeerProtocol.Announce, new AnnounceRequest { Sender = _self, Status = status }, AnnounceResponse.Parser, _timeout, cancellationToken);

    private async Task SendAsync(IReadOnlyList<PendingOperation> batch)
    {
        var request = new DecideRequest { Sender = _self };
        foreach (var pending in batch)
        {
            request.Ops.Add(pending.Operation);
        }

        try
        {
            var response = await _connection.CallAsync(PeerProtocol.Decide, request, DecideResponse.Parser, _timeout, CancellationToken.None).ConfigureAwait(false);
            if (response.Results.Count != batch.Count)
            {
                throw new PeerUnavailableException(_peer, $"answered {response.Results.Count} results for {batch.Count} operations");
            }

            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(response.Results[i]);
            }
        }
        catch (Exception e)
        {
            var failure = e as PeerUnavailableException ?? new PeerUnavailableException(_peer, e.Message, e);
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(failure);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pending in await _batcher.StopAsync().ConfigureAwait(false))
        {
            pending.Completion.TrySetException(new PeerUnavailableException(_peer, "its connection was closed"));
        }

        await _batcher.DisposeAsync().ConfigureAwait(false);
        _connection.Dispose();
    }

    private sealed class PendingOperation(GrainOp operation)
    {
        public GrainOp Operation { get; } = operation;

        public TaskCompletionSource<GrainResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
