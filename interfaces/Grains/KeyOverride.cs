using System.Collections.Immutable;

namespace GrainLimiter.Grains;

/// <summary>An operator's change to the limits of one key: a limit or a multiplier per limit, until an optional expiry.</summary>
/// <param name="Limits">One item per overridden limit, by the limit's reported name; limits not named keep the policy's.</param>
/// <param name="ExpiresAt">When the override stops applying (the grain's first decision after it); null: until removed.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.KeyOverride")]
public sealed record KeyOverride(
    [property: Id(0)] ImmutableArray<LimitOverride> Limits,
    [property: Id(1)] DateTimeOffset? ExpiresAt = null)
{
    /// <summary>Whether the override still applies at <paramref name="nowTicks"/> (UTC ticks).</summary>
    public bool InForceAt(long nowTicks) => ExpiresAt is not { } expiry || expiry.UtcTicks > nowTicks;

    public bool Equals(KeyOverride? other) =>
        other is not null && ExpiresAt == other.ExpiresAt && Limits.AsSpan().SequenceEqual(other.Limits.AsSpan());

    public override int GetHashCode() => HashCode.Combine(Limits.Length, ExpiresAt);
}

/// <summary>One limit's override: exactly one of <paramref name="Limit"/> (absolute) or <paramref name="Multiplier"/> (of the policy's limit).</summary>
/// <param name="Name">The limit's reported name (<c>CompiledPolicy.LimitNames</c>).</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.LimitOverride")]
public readonly record struct LimitOverride(
    [property: Id(0)] string Name,
    [property: Id(1)] long? Limit,
    [property: Id(2)] double? Multiplier);
