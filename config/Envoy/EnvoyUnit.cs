using GrainLimiter.Protocol.Envoy.RateLimit;

namespace GrainLimiter.Config.Envoy;

/// <summary>The time units of envoyproxy/ratelimit, their fixed window lengths and wire values.</summary>
/// <remarks>As envoyproxy/ratelimit, windows are fixed lengths aligned to the Unix epoch: a month is 30 days, a year 365.</remarks>
public static class EnvoyUnit
{
    private static readonly Dictionary<string, RateLimitResponse.Types.RateLimit.Types.Unit> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["second"] = RateLimitResponse.Types.RateLimit.Types.Unit.Second,
        ["minute"] = RateLimitResponse.Types.RateLimit.Types.Unit.Minute,
        ["hour"] = RateLimitResponse.Types.RateLimit.Types.Unit.Hour,
        ["day"] = RateLimitResponse.Types.RateLimit.Types.Unit.Day,
        ["week"] = RateLimitResponse.Types.RateLimit.Types.Unit.Week,
        ["month"] = RateLimitResponse.Types.RateLimit.Types.Unit.Month,
        ["year"] = RateLimitResponse.Types.RateLimit.Types.Unit.Year,
    };

    public const string Names = "second, minute, hour, day, week, month, year";

    public static bool TryParse(string name, out RateLimitResponse.Types.RateLimit.Types.Unit unit) => ByName.TryGetValue(name, out unit);

    public static TimeSpan? Window(RateLimitResponse.Types.RateLimit.Types.Unit unit) => unit switch
    {
        RateLimitResponse.Types.RateLimit.Types.Unit.Second => TimeSpan.FromSeconds(1),
        RateLimitResponse.Types.RateLimit.Types.Unit.Minute => TimeSpan.FromMinutes(1),
        RateLimitResponse.Types.RateLimit.Types.Unit.Hour => TimeSpan.FromHours(1),
        RateLimitResponse.Types.RateLimit.Types.Unit.Day => TimeSpan.FromDays(1),
        RateLimitResponse.Types.RateLimit.Types.Unit.Week => TimeSpan.FromDays(7),
        RateLimitResponse.Types.RateLimit.Types.Unit.Month => TimeSpan.FromDays(30),
        RateLimitResponse.Types.RateLimit.Types.Unit.Year => TimeSpan.FromDays(365),
        _ => null,
    };
}
