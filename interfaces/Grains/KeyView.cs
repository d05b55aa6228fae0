using System.Collections.Immutable;
using GrainLimiter.Adaptive;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains;

/// <summary>What an operator sees of one key: every limit's usage, the pause and the override in force.</summary>
[GenerateSerializer, Immutable, Alias("GrainLimiter.KeyView")]
public sealed record KeyView(
    [property: Id(0)] ImmutableArray<LimitView> Limits,
    [property: Id(1)] DateTimeOffset? PausedUntil,
    [property: Id(2)] KeyOverride? Override);

/// <summary>One limit of a key, at the moment it was looked at.</summary>
/// <param name="Limit">The policy's limit.</param>
/// <param name="EffectiveLimit">The limit decisions are judged against (the override's, when one is in force).</param>
/// <param name="Window">The limit's <see cref="Decisions.LimitWindow"/>: its window or refill period, a quota's period; zero for concurrency.</param>
/// <param name="Adaptive">What an adaptive limit has learned (its limit in force is <paramref name="EffectiveLimit"/>); null otherwise.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.LimitView")]
public readonly record struct LimitView(
    [property: Id(0)] string Name,
    [property: Id(1)] LimitAlgorithmKind Algorithm,
    [property: Id(2)] long Limit,
    [property: Id(3)] long EffectiveLimit,
    [property: Id(4)] long Used,
    [property: Id(5)] long Remaining,
    [property: Id(6)] TimeSpan ResetAfter,
    [property: Id(7)] TimeSpan Window,
    [property: Id(8)] AdaptiveView? Adaptive = null);
