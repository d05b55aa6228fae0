namespace GrainLimiter.Leases;

/// <summary>Units of a key charged to it at grant time, which one holder may admit on its own until the lease ends.</summary>
/// <param name="Id">The lease, unique within its key's activation; what the holder names when it returns the unused units.</param>
/// <param name="Units">Cost units charged to every limit of the key for this holder.</param>
/// <param name="Ttl">How long the holder may use them, counted from when it sent its call (so it stops before the grain's own
/// expiry); never past the end of the window they were charged in.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.LeaseGrant")]
public readonly record struct LeaseGrant([property: Id(0)] long Id, [property: Id(1)] long Units, [property: Id(2)] TimeSpan Ttl);
