using GrainLimiter.Grains;
using GrainLimiter.Grains.Overrides;
using GrainLimiter.Policies;

namespace GrainLimiter.Silo.Fronts;

/// <summary>The window a limit counts over, and how the <c>RateLimit-Policy</c> header states it.</summary>
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

    /// <summary>The draft's quota and window of a limit whose decision reported <paramref name="decidedLimit"/>, stated so
    /// that <c>remaining</c> never exceeds the quota: a bucket (token bucket, GCRA) as its burst per the time a whole burst
    /// takes to refill, a leaky bucket as its queue per <c>maxWait</c>; any other limit as its limit per window.</summary>
    public static (long Quota, TimeSpan Window) Quota(CompiledPolicy policy, int limitIndex, long decidedLimit)
    {
        var spec = policy.Definition.Limits[limitIndex];
        switch (spec.Algorithm)
        {
            case LimitAlgorithmKind.TokenBucket or LimitAlgorithmKind.Gcra:
                // An override changes the rate and scales the burst with it, as the grain does.
                var effective = decidedLimit == spec.Limit ? spec : KeyOverrides.Apply(spec, new LimitOverride("", decidedLimit, null));
                var refill = (Int128)effective.Capacity * spec.Window.Ticks;
                return (effective.Capacity, TimeSpan.FromTicks((long)((refill + effective.Limit - 1) / effective.Limit)));
            case LimitAlgorithmKind.LeakyBucket:
                return (decidedLimit, spec.MaxWait);
            default:
                return (decidedLimit, Of(policy, limitIndex));
        }
    }
}
