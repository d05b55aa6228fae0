using System.Threading.Channels;

namespace GrainLimiter.Silo.Runtime.Cluster.Peers;

/// <summary>
/// Groups items bound for one peer into batches: a batch leaves when it holds <c>batchSize</c> items or when its
/// first item has waited <c>batchDelay</c>, whichever comes first (gubernator's 1000 / 500 µs).
/// </summary>
/// <remarks>
/// Bounded twice: at most <c>capacity</c> items wait, and at most <c>maxInFlight</c> batches are being sent. When the
/// peer is slow the batches in flight stop completing, the queue fills and <see cref="TryEnqueue"/> refuses at once,
/// so a slow peer costs bounded memory and callers get an answer (their failure mode) instead of waiting.
/// </remarks>
public sealed class PeerBatcher<T> : IAsyncDisposable
{
    private readonly Channel<T> _queue;
    private readonly int _batchSize;
    private readonly TimeSpan _batchDelay;
    private readonly SemaphoreSlim _inFlight;
    private readonly Func<IReadOnlyList<T>, Task> _send;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private int _queued;
    private int _sending;

    /// <param name="send">Sends one batch and completes its items; it must not throw (failures complete the items).</param>
    public PeerBatcher(int batchSize, TimeSpan batchDelay, int capacity, int maxInFlight, Func<IReadOnlyList<T>, Task> send, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxInFlight, 1);
        _batchSize = batchSize;
        _batchDelay = batchDelay;
        _queue = Channel.CreateBounded<T>(new BoundedChannelOptions(capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
        _inFlight = new SemaphoreSlim(maxInFlight, maxInFlight);
        _send = send;
        _time = time;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Items waiting to be batched.</summary>
    public int Queued => Volatile.Read(ref _queued);

    /// <summary>Items in batches being sent.</summary>
    public int Sending => Volatile.Read(ref _sending);

    /// <summary>Queues an item; false at once when the queue is full (or the batcher is stopping).</summary>
    public bool TryEnqueue(T item)
    {
        if (!_queue.Writer.TryWrite(item))
        {
            return false;
        }

        Interlocked.Increment(ref _queued);
        return true;
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var stopping = _stopping.Token;
        try
        {
            while (await reader.WaitToReadAsync(stopping).ConfigureAwait(false))
            {
                // Backpressure: no new batch leaves while the peer has as many as allowed in flight.
                await _inFlight.WaitAsync(stopping).ConfigureAwait(false);
                var batch = new List<T>(Math.Min(_batchSize, 256));
                Drain(reader, batch);
                if (batch.Count < _batchSize && _batchDelay > TimeSpan.Zero && batch.Count > 0)
                {
                    await FillUntilDelayAsync(reader, batch, stopping).ConfigureAwait(false);
                }

                if (batch.Count == 0)
                {
                    _inFlight.Release();
                    continue;
                }

                Interlocked.Add(ref _sending, batch.Count);
                _ = SendAsync(batch);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private void Drain(ChannelReader<T> reader, List<T> batch)
    {
        while (batch.Count < _batchSize && reader.TryRead(out var item))
        {
            Interlocked.Decrement(ref _queued);
            batch.Add(item);
        }
    }

    private async Task FillUntilDelayAsync(ChannelReader<T> reader, List<T> batch, CancellationToken stopping)
    {
        using var delay = new CancellationTokenSource(_batchDelay, _time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(delay.Token, stopping);
        try
        {
            while (batch.Count < _batchSize && await reader.WaitToReadAsync(linked.Token).ConfigureAwait(false))
            {
                Drain(reader, batch);
            }
        }
        catch (OperationCanceledException) when (delay.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            // The first item has waited long enough: send what there is.
        }
    }

    private async Task SendAsync(List<T> batch)
    {
        try
        {
            await _send(batch).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Add(ref _sending, -batch.Count);
            _inFlight.Release();
        }
    }

    /// <summary>Stops batching; items still queued are returned so their owners can be failed.</summary>
    public async ValueTask<IReadOnlyList<T>> StopAsync()
    {
        _queue.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        var left = new List<T>();
        while (_queue.Reader.TryRead(out var item))
        {
            left.Add(item);
        }

        return left;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _inFlight.Dispose();
    }
}
