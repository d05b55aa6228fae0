using GrainLimiter.Policies;

namespace GrainLimiter.Decisions;

/// <summary>The window a limit counts over, the one every answer states: a decision's window (the client's, the headers'
/// <c>w</c>) and the admin API's <c>windowMs</c>.</summary>
public static class LimitWindow
{
    /// <summary>A window or bucket limit's window, a quota's period (a month as 30 days), and zero for a concurrency limit,
    /// which counts leases held, not a span of time.</summary>
    public static TimeSpan Of(LimitSpec spec) => spec.Algorithm switch
    {
        LimitAlgorithmKind.Concurrency => TimeSpan.Zero,
        LimitAlgorithmKind.Quota => spec.Period switch
        {
            QuotaPeriod.Day => TimeSpan.FromDays(1),
            QuotaPeriod.Week => TimeSpan.FromDays(7),
            _ => TimeSpan.FromDays(30),
        },
        _ => spec.Window,
    };
}
