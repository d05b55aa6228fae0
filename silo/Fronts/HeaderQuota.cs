using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Grains.Overrides;
using GrainLimiter.Policies;

namespace GrainLimiter.Silo.Fronts;

/// <summary>How the <c>RateLimit-Policy</c> header states a limit's quota and window.</summary>
internal static class HeaderQuota
{
    /// <summary>The draft's quota and window of a limit whose decision reported <paramref name="decidedLimit"/>, stated so
    /// that <c>remaining</c> never exceeds the quota: a bucket (token bucket, GCRA) as its burst per the time a whole burst
    /// takes to refill, a leaky bucket as its queue per <c>maxWait</c>; any other limit as its limit per <see cref="LimitWindow"/>.</summary>
    public static (long Quota, TimeSpan Window) Of(CompiledPolicy policy, int limitIndex, long decidedLimit)
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
                return (decidedLimit, LimitWindow.Of(spec));
        }
    }
}
