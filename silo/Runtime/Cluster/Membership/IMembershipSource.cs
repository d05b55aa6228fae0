using GrainLimiter.Membership;

namespace GrainLimiter.Silo.Runtime.Cluster.Membership;

/// <summary>Where a silo learns which silos exist: a static list, DNS records or the Redis membership table.</summary>
public interface IMembershipSource
{
    /// <summary>How often <see cref="ReadAsync"/> is worth calling again.</summary>
    TimeSpan RefreshInterval { get; }

    /// <summary>Records this silo's status where the source keeps one (the table); a no-op for static and DNS.</summary>
    /// <returns>False when the source declared this silo dead: it must stop.</returns>
    ValueTask<bool> PublishAsync(SiloStatus status, CancellationToken cancellationToken);

    /// <summary>The silos the source knows, with their status (static and DNS report every address as active).</summary>
    /// <remarks>With a table this also heartbeats; it returns null when this silo was declared dead.</remarks>
    ValueTask<IReadOnlyList<MemberStatus>?> ReadAsync(CancellationToken cancellationToken);
}
