using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace GrainLimiter.Grains.Persistence;

/// <summary>How one state write ended.</summary>
internal enum LimitStateWriteOutcome
{
    Written,
    Failed,
    Conflict,
}

/// <summary>
/// The silo's write-behind: every <see cref="LimitGrainOptions.FlushInterval"/> one loop writes the states of every
/// limit grain that changed since, many at once, outside the grains' turns.
/// </summary>
/// <remarks>
/// A grain offers a snapshot of its state bytes in its turn (<see cref="LimitStateRecord.Offer"/>); the first offer
/// since the last flush queues its record. A flush drains the queue and issues the writes concurrently, at most
/// <see cref="MaxWritesInFlight"/> at a time (StackExchange.Redis pipelines them on one connection; the in-process
/// store answers at once). Orleans' providers keep the ETag check; a conflict is handed back to the grain, which
/// re-reads in its own turn. A failed write stays pending and is tried at the next flush. This replaces a grain timer
/// per dirty grain, whose registration, ticks and one storage call each cost more than the decisions themselves.
/// </remarks>
public sealed partial class LimitStateWriter(
    IServiceProvider services,
    IOptions<LimitGrainOptions> options,
    TimeProvider time,
    LimitGrainCounters counters,
    ILogger<LimitStateWriter> logger) : ILifecycleParticipant<ISiloLifecycle>, IAsyncDisposable
{
    internal const int MaxWritesInFlight = 4096;
    private readonly ConcurrentQueue<LimitStateRecord> _queue = new();
    private readonly CancellationTokenSource _stop = new();
    private IGrainStorage? _storage;
    private Task? _loop;
    // An outage fails every write at once: log the first failure, then at most once per interval.
    private readonly LogThrottle _failureLog = new();
    private int _disposed;

    private IGrainStorage Storage => _storage ??= services.GetRequiredKeyedService<IGrainStorage>(LimitGrainOptions.StorageName);

    /// <summary>Records waiting for the next flush.</summary>
    internal int Queued => _queue.Count;

    void ILifecycleParticipant<ISiloLifecycle>.Participate(ISiloLifecycle lifecycle) =>
        // Stopped after the grains deactivated (each writes its own last state), before the storage providers stop.
        lifecycle.Subscribe(nameof(LimitStateWriter), ServiceLifecycleStage.ApplicationServices, _ => Start(), _ => StopAsync());

    internal void Enqueue(LimitStateRecord record) => _queue.Enqueue(record);

    internal Task Start()
    {
        _loop ??= Task.Run(() => RunAsync(_stop.Token));
        return Task.CompletedTask;
    }

    private async Task StopAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The container disposes it twice: as itself and as the lifecycle participant.
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await StopAsync().ConfigureAwait(false);
            _stop.Dispose();
        }
    }

    private async Task RunAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(options.Value.FlushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                await FlushAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // Silo stopping: the grains wrote their last states as they deactivated.
        }
    }

    /// <summary>Writes every record queued so far; completes when all those writes ended.</summary>
    internal async Task FlushAsync()
    {
        var writes = new List<Task>(Math.Min(_queue.Count, MaxWritesInFlight));
        // Only what was queued when the flush began: a record re-queued meanwhile waits for the next one.
        for (var left = _queue.Count; left > 0 && _queue.TryDequeue(out var record); left--)
        {
            if (record.TryBeginWrite(out var data))
            {
                writes.Add(WriteQueuedAsync(record, data));
                if (writes.Count == MaxWritesInFlight)
                {
                    await Task.WhenAll(writes).ConfigureAwait(false);
                    writes.Clear();
                }
            }
        }

        await Task.WhenAll(writes).ConfigureAwait(false);
    }

    /// <summary>Writes the record's waiting snapshot now, after any write in flight: an admin change waits for the store.</summary>
    internal async Task<LimitStateWriteOutcome> WriteNowAsync(LimitStateRecord record)
    {
        while (true)
        {
            if (record.TryBeginWrite(out var data))
            {
                var outcome = await WriteAsync(record, data).ConfigureAwait(false);
                record.EndWrite(data, outcome);
                if (outcome == LimitStateWriteOutcome.Conflict)
                {
                    record.Owner.OnStateConflict();
                }

                return outcome;
            }

            if (record.WriteInFlight() is not { } inFlight)
            {
                return record.Conflicted ? LimitStateWriteOutcome.Conflict : record.HasPending ? LimitStateWriteOutcome.Failed : LimitStateWriteOutcome.Written;
            }

            await inFlight.ConfigureAwait(false);
        }
    }

    private async Task WriteQueuedAsync(LimitStateRecord record, byte[]? data)
    {
        var outcome = await WriteAsync(record, data).ConfigureAwait(false);
        record.EndWrite(data, outcome);
        if (outcome == LimitStateWriteOutcome.Conflict)
        {
            record.Owner.OnStateConflict();
        }
    }

    /// <summary>Writes <paramref name="data"/> (null: deletes the record) with the record's ETag; never throws.</summary>
    internal async Task<LimitStateWriteOutcome> WriteAsync(LimitStateRecord record, byte[]? data)
    {
        var stored = record.Stored;
        try
        {
            if (data is not null)
            {
                (stored.State ??= new LimitGrainState()).Data = data;
                await Storage.WriteStateAsync(LimitGrainOptions.StateName, record.Id, stored).ConfigureAwait(false);
            }
            else if (stored.RecordExists || stored.ETag is not null)
            {
                // Equal to a fresh key: delete it rather than keep a useless record.
                await Storage.ClearStateAsync(LimitGrainOptions.StateName, record.Id, stored).ConfigureAwait(false);
            }

            return LimitStateWriteOutcome.Written;
        }
        catch (InconsistentStateException)
        {
            // A second activation wrote since we read (e.g. after a partition): never overwrite it; the grain logs it.
            counters.Conflict();
            return LimitStateWriteOutcome.Conflict;
        }
        catch (Exception e)
        {
            counters.WriteFailed();
            if (_failureLog.ShouldLog())
            {
                Log.WriteFailed(logger, counters.FailedStateWrites, e);
            }

            return LimitStateWriteOutcome.Failed;
        }
    }

    // The key may be personal data (a user, an IP): logs name neither it nor the grain.
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Writing limit states failed ({Total} failed writes so far); they stay pending and are written " +
            "again at the next flush.")]
        public static partial void WriteFailed(ILogger logger, long total, Exception exception);
    }
}
