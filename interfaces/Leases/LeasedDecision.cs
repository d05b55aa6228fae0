using GrainLimiter.Decisions;

namespace GrainLimiter.Leases;

/// <summary>A key grain's answer to a holder: the decision, a lease when one was granted, and whether a denial may be cached.</summary>
/// <param name="Decision">Exactly what <see cref="Grains.ILimitGrain.AcquireAsync"/> would answer, except that <c>Remaining</c> (and each
/// limit's) already counts the lease's units as charged.</param>
/// <param name="Lease">Units the holder may admit on its own; null when none was granted.</param>
/// <param name="CacheDenialFor">A denial the holder may answer itself, for this cost or more, for this long from when it sent its call;
/// zero when it must not (allowed, shadow mode, store failures, other leases outstanding that may come back early).</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.LeasedDecision")]
public readonly record struct LeasedDecision(
    [property: Id(0)] GrainDecision Decision,
    [property: Id(1)] LeaseGrant? Lease = null,
    [property: Id(2)] TimeSpan CacheDenialFor = default);
