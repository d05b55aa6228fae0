namespace GrainLimiter.QuotaBuckets;

/// <summary>One stream's usage report of a bucket: what its Envoy allowed and denied over <paramref name="Elapsed"/>.</summary>
[GenerateSerializer, Immutable, Alias("GrainLimiter.QuotaUsage")]
public readonly record struct QuotaUsage(
    [property: Id(0)] ulong Allowed,
    [property: Id(1)] ulong Denied,
    [property: Id(2)] TimeSpan Elapsed);

/// <summary>What a bucket answers a stream: a share to assign (for <paramref name="Ttl"/>), abandon, or nothing yet.</summary>
/// <param name="Share">Requests per window this stream may admit; 0 denies all.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.QuotaAnswer")]
public readonly record struct QuotaAnswer(
    [property: Id(0)] QuotaAction Action,
    [property: Id(1)] long Share = 0,
    [property: Id(2)] TimeSpan Ttl = default);

[GenerateSerializer, Alias("GrainLimiter.QuotaAction")]
public enum QuotaAction
{
    /// <summary>No assignment can be given yet (a re-activated bucket waits out the assignments it may have lost track of).</summary>
    None,

    Assign,

    /// <summary>The stream reported no request for the bucket's <c>abandonAfter</c>: it should forget the bucket.</summary>
    Abandon,
}
