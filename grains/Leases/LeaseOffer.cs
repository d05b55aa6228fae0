using GrainLimiter.Decisions;
using GrainLimiter.Leases;

namespace GrainLimiter.Grains.Leases;

/// <summary>What a grain answers a holder, before it is put on the wire (<see cref="LeasedDecision"/>).</summary>
/// <param name="Stranded">Units of leases found never given back in time, for the metrics.</param>
public readonly record struct LeaseOffer(LimitDecision Decision, LeaseGrant? Lease, TimeSpan CacheDenialFor, long Stranded);
