namespace GrainLimiter.Membership;

/// <summary>
/// The cluster's shared list of silos (as Orleans' membership table): silos register, heartbeat and change status;
/// everyone reads a versioned view. Times are stamped by the table's clock.
/// </summary>
public interface IMembershipTable
{
    /// <summary>Adds (or replaces) this incarnation as <see cref="SiloStatus.Joining"/>. False if this id was already declared dead.</summary>
    ValueTask<bool> RegisterAsync(string siloId, string address, DateTimeOffset startedAt, CancellationToken cancellationToken);

    /// <summary>Changes the status (and counts as a heartbeat). False if the silo is unknown or dead: dead is final.</summary>
    ValueTask<bool> UpdateStatusAsync(string siloId, SiloStatus status, CancellationToken cancellationToken);

    /// <summary>Records that the silo is alive. False if it is unknown or was declared dead: the silo must stop.</summary>
    ValueTask<bool> HeartbeatAsync(string siloId, CancellationToken cancellationToken);

    /// <summary>Reads the table, first declaring dead the silos whose heartbeats stopped (which bumps the version).</summary>
    ValueTask<MembershipView> ReadAsync(CancellationToken cancellationToken);
}
