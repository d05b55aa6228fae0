using GrainLimiter.Grains;
using GrainLimiter.Policies;

namespace GrainLimiter.Silo.Fronts;

/// <summary>The window a limit counts over, as the <c>w</c> of the <c>RateLimit-Policy</c> header reports it.</summary>
internal static class LimitWindow
{
    /// <summary>The window of a policy's limit; zero for a concurrency limit, which has none. A month counts as 30 days.</summary>
    public static TimeSpan Of(CompiledPolicy policy, int limitIndex)
    {
        var spec = policy.Definition.Limits[limitIndex];
        return spec.Algorithm switch
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
}
