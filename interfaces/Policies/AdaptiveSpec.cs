namespace GrainLimiter.Policies;

/// <summary>How a limit adapts to the outcomes its callers report: the key's grain moves the limit in force between
/// <see cref="Min"/> and <see cref="Max"/> (starting at the limit's configured value) by <see cref="Rule"/>.</summary>
/// <remarks>Outcomes are smoothed over <see cref="Window"/> (an exponentially weighted average in time, so bursts of reports and
/// quiet spells weigh by time, not by count). The limit is revised at most once per <see cref="Interval"/>.</remarks>
public sealed record AdaptiveSpec
{
    /// <summary>The lowest limit adaptation sets; what a caller whose requests all fail gets.</summary>
    public required long Min { get; init; }

    /// <summary>The highest limit adaptation sets; what a caller whose requests all succeed within <see cref="Target"/> gets.</summary>
    public required long Max { get; init; }

    public AdaptiveSignal By { get; init; } = AdaptiveSignal.Both;

    public AdaptiveRule Rule { get; init; } = AdaptiveRule.Multiplier;

    /// <summary>The latency a healthy request stays within (used when <see cref="By"/> includes latency).</summary>
    public TimeSpan Target { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>The time constant outcomes are smoothed over: a report this long ago weighs 1/e of a fresh one.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the limit is revised (the multiplier rule's recomputation, AIMD's step).</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The multiplier rule moves the limit only once this many outcomes (smoothed) are known.</summary>
    public int MinSamples { get; init; } = 10;

    /// <summary>AIMD: units added after a healthy interval; null: a twentieth of <c>Max - Min</c> (at least 1).</summary>
    public long? Increase { get; init; }

    /// <summary>AIMD: the factor the limit is multiplied by after an unhealthy interval, in (0, 1).</summary>
    public double Decrease { get; init; } = 0.7;

    /// <summary>An interval (AIMD) is healthy when its health score reaches this.</summary>
    public const double HealthyAt = 0.95;

    public long IncreaseStep => Increase ?? Math.Max(1, (Max - Min) / 20);
}
