namespace GrainLimiter.Grains.Persistence;

/// <summary>The grain side of <see cref="LimitStateWriter"/>: what it tells an activation whose write met a conflict.</summary>
internal interface ILimitStateOwner
{
    /// <summary>Another activation wrote the key since this one read it; called outside the grain's turn.</summary>
    void OnStateConflict();
}

/// <summary>
/// One activation's write-behind: the stored record (ETag) and the newest state snapshot not yet written, shared by the
/// grain (which offers snapshots in its turns) and the silo's <see cref="LimitStateWriter"/> (which writes them).
/// </summary>
/// <remarks>
/// At most one write per record is in flight (the writer's, or the grain's own once it is closed for deactivation), so
/// <see cref="Stored"/> is never used by two writes at once. Transitions take a lock: uncontended, a few nanoseconds.
/// </remarks>
internal sealed class LimitStateRecord(GrainId id, ILimitStateOwner owner, LimitStateWriter writer)
{
    private readonly Lock _lock = new();
    // The newest unwritten snapshot; null data means "equal to a fresh state: delete".
    private byte[]? _pending;
    private bool _hasPending;
    private bool _queued;
    private bool _writing;
    private bool _closed;
    private TaskCompletionSource? _writeDone;
    // The first write that failed since the last one known to have landed: it may have landed all the same (the store died, or the
    // command timed out, after running it), in which case the next write meets its ETag as if another activation had written.
    private (bool Failed, byte[]? Data) _unconfirmed;

    public GrainId Id { get; } = id;

    /// <summary>The provider's view of the stored record (ETag, existence); used by the one write or read in progress.</summary>
    public GrainState<LimitGrainState> Stored { get; } = new(new LimitGrainState());

    public ILimitStateOwner Owner { get; } = owner;

    /// <summary>The writer's last write of this record met another activation's write: it writes no more until reopened.</summary>
    public bool Conflicted { get; private set; }

    /// <summary>Called in the grain's turn with the state as it is now; queues the record for the next flush once.</summary>
    public void Offer(byte[]? data)
    {
        lock (_lock)
        {
            _pending = data;
            _hasPending = true;
            if (_queued || _closed)
            {
                return;
            }

            _queued = true;
        }

        writer.Enqueue(this);
    }

    /// <summary>The writer takes the pending snapshot to write it; false when there is none or the grain is closing.</summary>
    internal bool TryBeginWrite(out byte[]? data)
    {
        lock (_lock)
        {
            _queued = false;
            data = _pending;
            if (_closed || !_hasPending || _writing)
            {
                return false;
            }

            (_pending, _hasPending, _writing) = (null, false, true);
            return true;
        }
    }

    /// <summary>The writer's write ended: a failed snapshot waits again unless a newer one came meanwhile.</summary>
    internal void EndWrite(byte[]? written, LimitStateWriteOutcome outcome)
    {
        TaskCompletionSource? done;
        var requeue = false;
        lock (_lock)
        {
            _writing = false;
            if (outcome == LimitStateWriteOutcome.Failed && !_hasPending)
            {
                (_pending, _hasPending) = (written, true);
            }

            if (outcome == LimitStateWriteOutcome.Written)
            {
                _unconfirmed = default;
            }
            else if (outcome == LimitStateWriteOutcome.Failed && !_unconfirmed.Failed)
            {
                _unconfirmed = (true, written);
            }

            if (outcome == LimitStateWriteOutcome.Conflict)
            {
                (Conflicted, _closed) = (true, true);
            }
            else if (_hasPending && !_queued && !_closed)
            {
                requeue = _queued = true;
            }

            (done, _writeDone) = (_writeDone, null);
        }

        if (requeue)
        {
            writer.Enqueue(this);
        }

        done?.TrySetResult();
    }

    /// <summary>The writer's write in flight, to wait for; null when none is.</summary>
    internal Task? WriteInFlight()
    {
        lock (_lock)
        {
            if (!_writing)
            {
                return null;
            }

            _writeDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _writeDone.Task;
        }
    }

    /// <summary>A snapshot is waiting to be written (a failed write's, or one offered since).</summary>
    internal bool HasPending
    {
        get
        {
            lock (_lock)
            {
                return _hasPending;
            }
        }
    }

    /// <summary>After a conflict, whether what is stored now is this activation's own write that seemed to fail: then nobody else
    /// wrote, and the activation's state, newer than that write, stays the key's.</summary>
    public bool StoredIsOwnUnconfirmedWrite()
    {
        lock (_lock)
        {
            var stored = Stored.RecordExists ? Stored.State?.Data : null;
            return _unconfirmed.Failed && (_unconfirmed.Data is null ? stored is null : stored is not null && stored.AsSpan().SequenceEqual(_unconfirmed.Data));
        }
    }

    /// <summary>The grain took the stored state after a conflict (new ETag): what it offered before is stale, later turns write again.</summary>
    public void Reopen()
    {
        lock (_lock)
        {
            (_pending, _hasPending, _closed, Conflicted, _unconfirmed) = (null, false, false, false, default);
        }
    }

    /// <summary>Deactivation: the writer leaves the record alone from now on; completes once its write in flight ended.</summary>
    /// <returns>Whether a snapshot was still waiting to be written.</returns>
    public async Task<bool> CloseAsync()
    {
        Task? inFlight = null;
        lock (_lock)
        {
            _closed = true;
            if (_writing)
            {
                _writeDone ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                inFlight = _writeDone.Task;
            }
        }

        if (inFlight is not null)
        {
            await inFlight.ConfigureAwait(true);
        }

        lock (_lock)
        {
            var waiting = _hasPending;
            (_pending, _hasPending) = (null, false);
            return waiting;
        }
    }
}
