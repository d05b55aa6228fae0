namespace GrainLimiter.Membership;

/// <summary>How long a silo may stay silent before the table declares it dead, and how long dead entries are kept.</summary>
public sealed record MembershipTableOptions
{
    /// <summary>A silo without a heartbeat for longer than this is marked <see cref="SiloStatus.Dead"/> on the next read.</summary>
    public TimeSpan DeadAfter { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Dead entries are removed from the table this long after their last heartbeat.</summary>
    public TimeSpan RemoveDeadAfter { get; init; } = TimeSpan.FromHours(1);
}
