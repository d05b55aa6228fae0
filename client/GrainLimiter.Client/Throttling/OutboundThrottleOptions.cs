namespace GrainLimiter.Client.Throttling;

/// <summary>Which cluster policy limits each throttled key, and how long a caller may wait (section <c>GrainLimiter:Throttle</c>).</summary>
public sealed class OutboundThrottleOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string Section = "GrainLimiter:Throttle";

    /// <summary>Throttled key → the cluster policy that limits it (e.g. <c>legifrance:standard</c> → <c>legifrance-standard</c>).
    /// Every worker using the same key shares one budget. Only these keys may be throttled, so the throttle's state stays bounded.</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Longest a caller waits in total (queueing, reserved slot, pauses) before <see cref="ThrottleWaitTimeoutException"/>.</summary>
    public TimeSpan MaxWait { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>First pause after an upstream 429 without Retry-After; doubles on each further 429 (with jitter).</summary>
    public TimeSpan BackoffInitial { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Largest pause the backoff reaches.</summary>
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromMinutes(1);
}
