using GrainLimiter.Leases;

namespace GrainLimiter.Silo.Checks;

/// <summary>A holder's single-key check decided (<see cref="ICheckPipeline.CheckLeasedAsync"/>): its outcome, and what the key's grain
/// granted the holder; not <paramref name="Leasable"/> when the key's policy never leases.</summary>
public readonly record struct LeasedCheck(CheckOutcome Outcome, LeaseGrant? Lease, TimeSpan CacheDenialFor, bool Leasable = true);
