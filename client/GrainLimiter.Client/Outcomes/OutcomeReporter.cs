using System.Diagnostics;
using GrainLimiter.Adaptive;
using GrainLimiter.Client.Resilience;
using Microsoft.Extensions.Logging;

namespace GrainLimiter.Client.Outcomes;

/// <summary>Outcomes of admitted requests, queued and sent in batches: a batch leaves once it is full, or when the oldest outcome
/// in it has waited one interval; one batch is under way at a time.</summary>
/// <remarks>
/// Bounded: once the queue is full the oldest outcome is dropped for the newest (the freshest outcomes say most about a key now).
/// Outcomes are advisory, so a batch whose report fails is logged, counted and dropped, never retried and never thrown to the
/// callers who queued it. Disposing sends what is queued; if a batch fails then, the rest is dropped rather than each waiting
/// a report deadline.
/// </remarks>
internal sealed partial class OutcomeReporter : IAsyncDisposable
{
    private readonly Lock _lock = new();
    private readonly RequestOutcome[] _queue;
    private readonly Func<RequestOutcome[], CancellationToken, ValueTask<int>> _send;
    private readonly int _batchSize;
    private readonly TimeSpan _interval;
    private readonly ITimer _timer;
    private readonly SemaphoreSlim _wake = new(0);
    private readonly ClientMetrics _metrics;
    private readonly ILogger _logger;
    private readonly Task _sending;
    // A ring: _count outcomes from _head.
    private int _head;
    private int _count;
    private bool _timerArmed;
    private bool _intervalPassed;
    private bool _stopping;
    // Touched by the send loop only: a run of failures is logged as a warning once.
    private bool _failing;

    public OutcomeReporter(Func<RequestOutcome[], CancellationToken, ValueTask<int>> send, int batchSize, int capacity, TimeSpan interval, TimeProvider time,
        ClientMetrics metrics, ILogger logger)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, batchSize);
        _send = send;
        _batchSize = batchSize;
        _queue = new RequestOutcome[capacity];
        _interval = interval;
        _metrics = metrics;
        _logger = logger;
        _timer = time.CreateTimer(static reporter => ((OutcomeReporter)reporter!).IntervalPassed(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _sending = SendLoopAsync();
    }

    /// <summary>Outcomes waiting to be sent.</summary>
    public int Queued
    {
        get { lock (_lock) return _count; }
    }

    /// <summary>Queues one outcome; never blocks, never throws.</summary>
    public void Add(in RequestOutcome outcome)
    {
        string? dropped = null;
        bool batchFull, armTimer;
        lock (_lock)
        {
            if (_stopping)
            {
                dropped = "stopped";
                batchFull = armTimer = false;
            }
            else
            {
                if (_count == _queue.Length)
                {
                    dropped = "queue_full";
                    _head = (_head + 1) % _queue.Length;
                    _count--;
                }

                _queue[(_head + _count) % _queue.Length] = outcome;
                _count++;
                batchFull = _count == _batchSize;
                armTimer = !_timerArmed;
                _timerArmed = true;
                Debug.Assert(_count <= _queue.Length);
            }
        }

        if (dropped is not null)
        {
            _metrics.Dropped(1, dropped);
        }

        // Outside the lock: a fake clock may run timer callbacks (which take it) inside Change.
        if (armTimer)
        {
            _timer.Change(_interval, Timeout.InfiniteTimeSpan);
        }

        if (batchFull)
        {
            Wake();
        }
    }

    private void IntervalPassed()
    {
        lock (_lock)
        {
            _timerArmed = false;
            _intervalPassed = true;
        }

        Wake();
    }

    // An extra wake-up finds nothing due and waits again.
    private void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            _wake.Release();
        }
    }

    private async Task SendLoopAsync()
    {
        while (true)
        {
            await _wake.WaitAsync().ConfigureAwait(false);
            while (TakeBatch() is { } batch)
            {
                await SendAsync(batch).ConfigureAwait(false);
            }

            lock (_lock)
            {
                if (_stopping && _count == 0)
                {
                    return;
                }
            }
        }
    }

    /// <summary>The next batch that should leave: a full one, or what is queued once the interval passed or the reporter stops.</summary>
    private RequestOutcome[]? TakeBatch()
    {
        lock (_lock)
        {
            if (_count == 0 || (_count < _batchSize && !_intervalPassed && !_stopping))
            {
                _intervalPassed &= _count > 0;
                return null;
            }

            var batch = new RequestOutcome[Math.Min(_count, _batchSize)];
            for (var i = 0; i < batch.Length; i++)
            {
                var slot = (_head + i) % _queue.Length;
                batch[i] = _queue[slot];
                _queue[slot] = default;
            }

            _head = (_head + batch.Length) % _queue.Length;
            _count -= batch.Length;
            _intervalPassed &= _count > 0;
            return batch;
        }
    }

    private async Task SendAsync(RequestOutcome[] batch)
    {
        try
        {
            var accepted = await _send(batch, CancellationToken.None).ConfigureAwait(false);
            _metrics.Reported(batch.Length);
            if (_failing)
            {
                _failing = false;
                Log.ReportsResumed(_logger, batch.Length, accepted);
            }
        }
        catch (Exception e)
        {
            _metrics.Dropped(batch.Length, "report_failed");
            if (!_failing)
            {
                _failing = true;
                Log.ReportFailed(_logger, batch.Length, e);
            }
            else
            {
                Log.ReportStillFailing(_logger, batch.Length, e);
            }

            DropQueuedIfStopping();
        }
    }

    // Stopping and the cluster does not answer: the rest would each wait a report deadline for the same end.
    private void DropQueuedIfStopping()
    {
        int dropped;
        lock (_lock)
        {
            if (!_stopping)
            {
                return;
            }

            dropped = _count;
            Array.Clear(_queue);
            _head = _count = 0;
        }

        if (dropped > 0)
        {
            _metrics.Dropped(dropped, "stopped");
        }
    }

    /// <summary>Sends what is queued (a batch at a time), then stops; outcomes added afterwards are dropped and counted.</summary>
    public async ValueTask DisposeAsync()
    {
        lock (_lock)
        {
            _stopping = true;
        }

        await _timer.DisposeAsync().ConfigureAwait(false);
        Wake();
        await _sending.ConfigureAwait(false);
    }
}
