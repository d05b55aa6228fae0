namespace GrainLimiter.Policies;

/// <summary>One limit of a policy, as configured.</summary>
/// <remarks>Which fields matter depends on <see cref="Algorithm"/>; the policy loader validates them.</remarks>
public sealed record LimitSpec
{
    public required LimitAlgorithmKind Algorithm { get; init; }

    /// <summary>Requests (or cost units) per <see cref="Window"/>, per quota period, or concurrent leases.</summary>
    public required long Limit { get; init; }

    /// <summary>Window length; for token bucket, GCRA and leaky bucket the time in which <see cref="Limit"/> refills.</summary>
    public TimeSpan Window { get; init; }

    /// <summary>Bucket capacity for token bucket and GCRA; defaults to <see cref="Limit"/>.</summary>
    public long? Burst { get; init; }

    public QuotaPeriod Period { get; init; } = QuotaPeriod.Day;

    /// <summary>Time zone whose midnight a quota resets at.</summary>
    public TimeZoneInfo TimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Fraction of the limit (0..1] at which decisions report an alert, e.g. 0.9375.</summary>
    public double? AlertAt { get; init; }

    /// <summary>Leaky bucket: the longest a caller may be told to wait before it is denied instead.</summary>
    public TimeSpan MaxWait { get; init; }

    /// <summary>Concurrency: how long a lease lives if its holder never releases it.</summary>
    public TimeSpan LeaseTtl { get; init; }

    /// <summary>Set: the limit in force follows the outcomes callers report (between its min and max), starting at <see cref="Limit"/>.</summary>
    public AdaptiveSpec? Adaptive { get; init; }

    /// <summary>Optional name reported with decisions; defaults to a description of the limit.</summary>
    public string? Name { get; init; }

    public long Capacity => Burst ?? Limit;
}
