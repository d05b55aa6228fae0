using GrainLimiter.Decisions;
using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains;

/// <summary>A policy ready to decide: its definition with one shared algorithm object per limit.</summary>
public sealed class CompiledPolicy
{
    public CompiledPolicy(PolicyDefinition definition)
    {
        ArgumentNullException.ThrowIfNull(definition);
        if (definition.Limits.Count == 0)
        {
            throw new ArgumentException($"Policy '{definition.Name}' has no limits.", nameof(definition));
        }

        Definition = definition;
        Algorithms = definition.Limits.Select(LimitAlgorithm.Create).ToArray();
        LimitNames = definition.Limits
            .Select((limit, index) => limit.Name ?? (definition.Limits.Count == 1 ? definition.Name : $"{definition.Name}#{index}"))
            .ToArray();
        StateLifetime = definition.Limits.Max(static l => l.Adaptive is { } adaptive ? Max(Lifetime(l), Times(adaptive.Window, 5)) : Lifetime(l));
        LeasesApply = definition.LeasesApply;
        IsAdaptive = definition.IsAdaptive;
    }

    /// <summary>Some limit adapts to reported outcomes (<see cref="PolicyDefinition.IsAdaptive"/>), worked out once: every decision asks.</summary>
    public bool IsAdaptive { get; }

    /// <summary>Whether this policy's keys may lease units to holders (<see cref="PolicyDefinition.LeasesApply"/>), worked out once.</summary>
    public bool LeasesApply { get; }

    /// <summary>How long after its last change a key's state may still differ from a fresh one: bounds the store's expiry.</summary>
    public TimeSpan StateLifetime { get; }

    public PolicyDefinition Definition { get; }

    public string Name => Definition.Name;

    public IReadOnlyList<LimitAlgorithm> Algorithms { get; }

    /// <summary>The name each limit is reported under (headers, responses, metrics).</summary>
    public IReadOnlyList<string> LimitNames { get; }

    /// <summary>What a failure (store unreadable, grain unreachable) answers: under the first limit, a denial retried after a second.</summary>
    public LimitDecision FailureDecision(bool allowed) =>
        new(allowed, Definition.Limits[0].Limit, 0, TimeSpan.Zero, allowed ? TimeSpan.Zero : TimeSpan.FromSeconds(1));

    private static TimeSpan Lifetime(LimitSpec limit) => limit.Algorithm switch
    {
        LimitAlgorithmKind.SlidingWindow => Times(limit.Window, 2),
        // Refilling a whole bucket from empty: capacity / limit windows.
        LimitAlgorithmKind.TokenBucket or LimitAlgorithmKind.Gcra =>
            Times(limit.Window, Math.Max(1, Math.Ceiling((double)limit.Capacity / Math.Max(1, limit.Limit)))),
        LimitAlgorithmKind.LeakyBucket => limit.Window + limit.MaxWait,
        LimitAlgorithmKind.Concurrency => limit.LeaseTtl,
        // A calendar period, plus a day for the time zone's offset.
        LimitAlgorithmKind.Quota => TimeSpan.FromDays(limit.Period switch { QuotaPeriod.Day => 2, QuotaPeriod.Week => 8, _ => 32 }),
        _ => limit.Window,
    };

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    private static TimeSpan Times(TimeSpan span, double factor) =>
        span.Ticks * factor >= TimeSpan.MaxValue.Ticks / 4 ? TimeSpan.MaxValue / 4 : TimeSpan.FromTicks((long)(span.Ticks * factor));
}
