namespace GrainLimiter.Grains.Leases;

/// <summary>How a lease given back was settled: units credited to the key, units lost to their window.</summary>
public readonly record struct LeaseSettlement(long Credited, long Stranded);
