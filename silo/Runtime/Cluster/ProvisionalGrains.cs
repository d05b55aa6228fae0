using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Storage;

namespace GrainLimiter.Silo.Runtime.Cluster;

/// <summary>
/// Grains a fail-open policy decides on when the key's owner cannot be reached: local, never persisted, capped, and
/// counted, so the over-admission they allow is visible. They are forgotten when idle.
/// </summary>
public sealed class ProvisionalGrains(ILogger<GrainCatalog> logger)
{
    /// <summary>Provisional grains held at once: the bound on what an outage can cost in memory.</summary>
    public const int MaxGrains = 100_000;

    private readonly GrainCatalog _catalog = new(new DiscardingStore(), MaxGrains, logger);
    private long _decisions;

    /// <summary>Decisions taken on provisional grains since start.</summary>
    public long Decisions => Interlocked.Read(ref _decisions);

    internal ValueTask<LimitDecision> RunAsync(GrainId id, CompiledPolicy policy, GrainOperation operation, long now, long cost, long leaseId)
    {
        Interlocked.Increment(ref _decisions);
        return _catalog.RunAsync(id, policy, operation, now, cost, leaseId);
    }

    /// <summary>Forgets idle provisional grains (their changes are discarded: the owner's state is the truth).</summary>
    public async Task SweepAsync(long now, CancellationToken cancellationToken)
    {
        _catalog.DeactivateIdle();
        await _catalog.FlushAsync(now, CatalogMaintenance.FlushBatchSize, cancellationToken).ConfigureAwait(false);
    }

    private sealed class DiscardingStore : IGrainStateStore
    {
        public ValueTask<byte[]?> LoadAsync(GrainId id, CancellationToken cancellationToken) => ValueTask.FromResult<byte[]?>(null);

        public ValueTask WriteAsync(IReadOnlyList<GrainStateWrite> writes, CancellationToken cancellationToken) => ValueTask.CompletedTask;

        public ValueTask DeleteAsync(GrainId id, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
