using GrainLimiter.Grains;

namespace GrainLimiter.Leases;

/// <summary>Who asks a key's grain for a decision and may be granted a lease: a holder, and the lease it gives back first.</summary>
/// <param name="HolderId">Stable for the holder's lifetime (a silo's front, an in-process client).</param>
/// <param name="Holder">Where the grain tells the holder to drop its lease and cached denial (operators' changes).</param>
/// <param name="Returned">The holder's previous lease of this key and its unused units, settled before this call is decided.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.LeaseAsk")]
public sealed record LeaseAsk([property: Id(0)] string HolderId, [property: Id(1)] ILeaseHolder Holder, [property: Id(2)] LeaseReturn Returned);
