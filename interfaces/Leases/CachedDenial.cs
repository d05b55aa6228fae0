using GrainLimiter.Decisions;

namespace GrainLimiter.Leases;

/// <summary>A key's grain denied <see cref="Cost"/> and said nothing can admit it before <see cref="Until"/>: costs as large are
/// answered here until then.</summary>
/// <param name="At">Monotonic timestamp of the call the grain answered (its times count from then).</param>
/// <param name="Until">Monotonic timestamp: sent time + what the grain allowed, so the cache never outlasts the grain's word.</param>
internal sealed record CachedDenial(long Cost, long At, long Until, GrainDecision Answer);
