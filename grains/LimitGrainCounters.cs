namespace GrainLimiter.Grains;

/// <summary>What the limit grains of one silo report to its metrics.</summary>
public sealed class LimitGrainCounters
{
    private long _active;
    private long _provisional;
    private long _failedWrites;
    private long _conflicts;
    private long _leasesGranted;
    private long _unitsLeased;
    private long _unitsReturned;
    private long _unitsStranded;
    private long _repeatedRequestIds;

    /// <summary>Limit grains active in this silo.</summary>
    public long Active => Interlocked.Read(ref _active);

    /// <summary>Activations that started fresh because the store failed and the policy fails open.</summary>
    public long ProvisionalActivations => Interlocked.Read(ref _provisional);

    /// <summary>State writes that failed; the state stays dirty and is written again.</summary>
    public long FailedStateWrites => Interlocked.Read(ref _failedWrites);

    /// <summary>Writes refused because another activation wrote the key since (ETag conflict).</summary>
    public long StateConflicts => Interlocked.Read(ref _conflicts);

    /// <summary>Leases granted to holders.</summary>
    public long LeasesGranted => Interlocked.Read(ref _leasesGranted);

    /// <summary>Units charged to keys for leases.</summary>
    public long UnitsLeased => Interlocked.Read(ref _unitsLeased);

    /// <summary>Unused lease units given back and credited to their key.</summary>
    public long UnitsReturned => Interlocked.Read(ref _unitsReturned);

    /// <summary>Unused lease units not credited: given back after their window ended, or never (a holder that died).</summary>
    public long UnitsStranded => Interlocked.Read(ref _unitsStranded);

    /// <summary>Checks answered again for a request id already decided, instead of charged again (a caller's retry).</summary>
    public long RepeatedRequestIds => Interlocked.Read(ref _repeatedRequestIds);

    internal void Leased(long units)
    {
        Interlocked.Increment(ref _leasesGranted);
        Interlocked.Add(ref _unitsLeased, units);
    }

    internal void Settled(long returned, long stranded)
    {
        if (returned > 0)
        {
            Interlocked.Add(ref _unitsReturned, returned);
        }

        if (stranded > 0)
        {
            Interlocked.Add(ref _unitsStranded, stranded);
        }
    }

    internal void Replayed() => Interlocked.Increment(ref _repeatedRequestIds);

    internal long Activated() => Interlocked.Increment(ref _active);

    internal void Deactivated() => Interlocked.Decrement(ref _active);

    internal long Provisional() => Interlocked.Increment(ref _provisional);

    internal void WriteFailed() => Interlocked.Increment(ref _failedWrites);

    internal void Conflict() => Interlocked.Increment(ref _conflicts);
}
