using GrainLimiter.Decisions;

namespace GrainLimiter.Leases;

/// <summary>The Orleans front's answer to a holder's check (<see cref="Grains.ILimiterFrontGrain.CheckLeasedAsync"/>): the check's
/// answer as for any caller, and what the key's grain granted the holder (see <see cref="LeasedDecision"/>).</summary>
/// <param name="Leasable">False when the key's policy never leases (<c>leases: off</c>, a limit that does not charge a count, shadow
/// mode): the holder should stop asking for it.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.LeasedFrontDecisions")]
public sealed record LeasedFrontDecisions(
    [property: Id(0)] FrontDecisions Answer,
    [property: Id(1)] LeaseGrant? Lease = null,
    [property: Id(2)] TimeSpan CacheDenialFor = default,
    [property: Id(3)] bool Leasable = true);
