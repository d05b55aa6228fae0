namespace GrainLimiter.Decisions;

/// <summary>How every front, the admin API and the client state a decision's times: whole units rounded up, so a caller that
/// waits the stated time is never early; a time not to wait is 0, and <see cref="LimitDecision.Never"/> is <see cref="long.MaxValue"/>.</summary>
public static class DecisionTimes
{
    public static long Seconds(TimeSpan span) => Whole(span, TimeSpan.TicksPerSecond);

    public static long Milliseconds(TimeSpan span) => Whole(span, TimeSpan.TicksPerMillisecond);

    // Quotient and remainder, not (ticks + unit - 1) / unit: that overflows near TimeSpan.MaxValue.
    private static long Whole(TimeSpan span, long unit) =>
        span == LimitDecision.Never ? long.MaxValue
        : span <= TimeSpan.Zero ? 0
        : (span.Ticks / unit) + (span.Ticks % unit == 0 ? 0 : 1);
}
