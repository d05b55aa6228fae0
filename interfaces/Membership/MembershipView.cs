namespace GrainLimiter.Membership;

/// <summary>A snapshot of the table. <see cref="Version"/> increases on every membership change (not on heartbeats).</summary>
public sealed record MembershipView(long Version, IReadOnlyList<SiloEntry> Entries);
