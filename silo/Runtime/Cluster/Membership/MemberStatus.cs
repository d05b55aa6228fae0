using GrainLimiter.Membership;

namespace GrainLimiter.Silo.Runtime.Cluster.Membership;

/// <summary>A silo as a membership source reports it: its peer address and where it is in its life.</summary>
public readonly record struct MemberStatus(string Address, SiloStatus Status);
