namespace GrainLimiter.Benchmarks.Load;

/// <summary>What each <see cref="LimitKind"/> allows, defined once for every contender: GrainLimiter's policy and Envoy
/// files, the Redis scripts and the in-process limiters all count the same fixed windows.</summary>
internal sealed record BenchLimits(int Accuracy, int AttackPerSecond)
{
    /// <summary>The open limit: a billion per hour, far above what any row reaches.</summary>
    public const long Open = 1_000_000_000;

    public static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    public static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    /// <summary>The fixed window <paramref name="kind"/> stands for: at most <c>Limit</c> per <c>Window</c>.</summary>
    public (long Limit, TimeSpan Window) Of(LimitKind kind) => kind switch
    {
        LimitKind.Open or LimitKind.OpenUnleased => (Open, Hour),
        LimitKind.Accuracy => (Accuracy, Hour),
        LimitKind.Attack => (AttackPerSecond, Second),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };
}
