namespace GrainLimiter.Membership;

/// <summary>One silo incarnation in the membership table.</summary>
/// <param name="SiloId">Unique per incarnation (a restarted silo registers under a new id), e.g. <c>10.0.0.5:11111@638700000000</c>.</param>
/// <param name="Address">Where peers reach it: <c>host:port</c>.</param>
/// <param name="StartedAt">When this incarnation started.</param>
/// <param name="LastHeartbeat">Last time the silo proved it was alive; entries whose heartbeats stop are declared dead.</param>
public sealed record SiloEntry(string SiloId, string Address, DateTimeOffset StartedAt, SiloStatus Status, DateTimeOffset LastHeartbeat);
