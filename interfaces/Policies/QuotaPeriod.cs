namespace GrainLimiter.Policies;

/// <summary>The calendar period a quota resets on, at local midnight of its time zone.</summary>
public enum QuotaPeriod
{
    Day,
    /// <summary>ISO week: resets Monday 00:00.</summary>
    Week,
    Month,
}
