namespace GrainLimiter.Storage;

/// <summary>Where grain state lives between activations: in memory for one silo, Redis for a cluster.</summary>
/// <remarks>States are opaque, versioned byte blobs; the grain owns their format.</remarks>
public interface IGrainStateStore
{
    /// <summary>The stored state, or null when absent (a fresh grain).</summary>
    ValueTask<byte[]?> LoadAsync(GrainId id, CancellationToken cancellationToken);

    /// <summary>Writes a batch in one round trip where the store allows it.</summary>
    ValueTask WriteAsync(IReadOnlyList<GrainStateWrite> writes, CancellationToken cancellationToken);

    ValueTask DeleteAsync(GrainId id, CancellationToken cancellationToken);
}
