using System.Collections.Immutable;

namespace GrainLimiter.QuotaBuckets;

/// <summary>What an operator sees of one bucket: its limit, and every stream's demand, share and live assignments.</summary>
/// <param name="Spec">The entry the bucket was last reported under; null when no stream reported it since it activated.</param>
/// <param name="Reserved">What the live assignments add up to (never above the limit): streams', departed streams' and,
/// while quarantined, the whole limit.</param>
/// <param name="QuarantinedUntil">A re-activated bucket assigns nothing until then (assignments it may have lost expire).</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.QuotaBucketView")]
public sealed record QuotaBucketView(
    [property: Id(0)] QuotaBucketSpec? Spec,
    [property: Id(1)] long Reserved,
    [property: Id(2)] DateTimeOffset? QuarantinedUntil,
    [property: Id(3)] ImmutableArray<QuotaStreamView> Streams);

/// <summary>One stream of a bucket.</summary>
/// <param name="Demand">Requests per window its last report asked for (allowed + denied).</param>
/// <param name="Share">Its last assignment.</param>
/// <param name="Reserved">The largest of its assignments not yet expired.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.QuotaStreamView")]
public readonly record struct QuotaStreamView(
    [property: Id(0)] string Stream,
    [property: Id(1)] long Demand,
    [property: Id(2)] long Share,
    [property: Id(3)] long Reserved,
    [property: Id(4)] DateTimeOffset? ExpiresAt,
    [property: Id(5)] DateTimeOffset LastReport);
