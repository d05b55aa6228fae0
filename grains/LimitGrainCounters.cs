namespace GrainLimiter.Grains;

/// <summary>What the limit grains of one silo report to its metrics.</summary>
public sealed class LimitGrainCounters
{
    private long _active;
    private long _provisional;
    private long _failedWrites;
    private long _conflicts;

    /// <summary>Limit grains active in this silo.</summary>
    public long Active => Interlocked.Read(ref _active);

    /// <summary>Activations that started fresh because the store failed and the policy fails open.</summary>
    public long ProvisionalActivations => Interlocked.Read(ref _provisional);

    /// <summary>State writes that failed; the state stays dirty and is written again.</summary>
    public long FailedStateWrites => Interlocked.Read(ref _failedWrites);

    /// <summary>Writes refused because another activation wrote the key since (ETag conflict).</summary>
    public long StateConflicts => Interlocked.Read(ref _conflicts);

    internal long Activated() => Interlocked.Increment(ref _active);

    internal void Deactivated() => Interlocked.Decrement(ref _active);

    internal long Provisional() => Interlocked.Increment(ref _provisional);

    internal void WriteFailed() => Interlocked.Increment(ref _failedWrites);

    internal void Conflict() => Interlocked.Increment(ref _conflicts);
}
