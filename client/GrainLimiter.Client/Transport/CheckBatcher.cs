using GrainLimiter.Client.Decisions;
using GrainLimiter.Client.Resilience;

namespace GrainLimiter.Client.Transport;

/// <summary>Concurrent checks to one destination travel together: a check asked while the destination is busy with earlier batches
/// waits for the next batch instead of paying for a call of its own; each is still decided and answered on its own.</summary>
/// <remarks>
/// There is no timer: a caller finding fewer than <c>maxBatchesInFlight</c> batches under way sends at once (an idle client adds no
/// latency), and a batch that comes back sends what gathered meanwhile, at most <c>maxChecksPerBatch</c> checks per batch. So the
/// busier the destination, the larger the batches (gubernator's peer batching, without its fixed wait). A check whose caller gave up
/// before it left (its deadline passed) is not sent.
/// </remarks>
internal sealed class CheckBatcher(Func<PendingCheck[], Task> send, int maxChecksPerBatch, int maxBatchesInFlight, ClientMetrics metrics)
{
    private readonly Lock _lock = new();
    private readonly Queue<PendingCheck> _waiting = new();
    private int _inFlight;

    /// <summary>Queues one check; answered when its batch is.</summary>
    public Task<ClusterCheckOutcome> CheckAsync(LimitCheck[] checks, CancellationToken cancellationToken, string? requestId = null)
    {
        var pending = new PendingCheck(checks, requestId, cancellationToken);
        PendingCheck[]? batch;
        lock (_lock)
        {
            _waiting.Enqueue(pending);
            batch = TakeBatch();
        }

        if (batch is not null)
        {
            _ = SendAllAsync(batch);
        }

        return pending.Answer;
    }

    // Sends one batch, then whatever gathered while it was under way, until nothing waits.
    private async Task SendAllAsync(PendingCheck[]? batch)
    {
        while (batch is not null)
        {
            metrics.BatchSent(batch.Length);
            try
            {
                await send(batch).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                foreach (var pending in batch)
                {
                    pending.Fail(e);
                }
            }

            foreach (var pending in batch)
            {
                // Counted as an outage: the failure mode answers, as for a call that timed out.
                pending.Fail(static () => new TimeoutException("No answer came for this check."));
            }

            lock (_lock)
            {
                _inFlight--;
                batch = TakeBatch();
            }
        }
    }

    // Under the lock: the next batch if one may start, counted in flight; null otherwise.
    private PendingCheck[]? TakeBatch()
    {
        if (_inFlight >= maxBatchesInFlight)
        {
            return null;
        }

        var batch = new List<PendingCheck>(Math.Min(_waiting.Count, maxChecksPerBatch));
        while (batch.Count < maxChecksPerBatch && _waiting.TryDequeue(out var pending))
        {
            if (!pending.GaveUp())
            {
                batch.Add(pending);
            }
        }

        if (batch.Count == 0)
        {
            return null;
        }

        _inFlight++;
        return [.. batch];
    }
}
