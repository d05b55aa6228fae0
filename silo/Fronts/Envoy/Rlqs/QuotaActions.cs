using Envoy.Service.RateLimitQuota.V3;
using Envoy.Type.V3;
using Google.Protobuf.WellKnownTypes;
using GrainLimiter.QuotaBuckets;
using Unit = GrainLimiter.Protocol.Envoy.Type.RateLimitUnit;

namespace GrainLimiter.Silo.Fronts.Envoy.Rlqs;

/// <summary>The bucket actions a stream is sent: an assignment as Envoy's <c>RateLimitStrategy</c>, allow-all for a bucket
/// no entry covers, abandon.</summary>
internal static class QuotaActions
{
    public static RateLimitQuotaResponse.Types.BucketAction Assign(BucketId id, QuotaBucketSpec spec, QuotaAnswer answer) => new()
    {
        BucketId = id,
        QuotaAssignmentAction = new()
        {
            AssignmentTimeToLive = Duration.FromTimeSpan(answer.Ttl),
            RateLimitStrategy = Strategy(spec, answer.Share),
        },
    };

    /// <summary>No <c>quotaBuckets</c> entry covers the bucket: nothing limits it, as an unconfigured descriptor of RLS.</summary>
    public static RateLimitQuotaResponse.Types.BucketAction AllowAll(BucketId id) => new()
    {
        BucketId = id,
        QuotaAssignmentAction = new() { RateLimitStrategy = new RateLimitStrategy { BlanketRule = RateLimitStrategy.Types.BlanketRule.AllowAll } },
    };

    public static RateLimitQuotaResponse.Types.BucketAction Abandon(BucketId id) => new()
    {
        BucketId = id,
        AbandonAction = new(),
    };

    private static RateLimitStrategy Strategy(QuotaBucketSpec spec, long share)
    {
        if (share <= 0)
        {
            return new RateLimitStrategy { BlanketRule = RateLimitStrategy.Types.BlanketRule.DenyAll };
        }

        return spec.Strategy switch
        {
            QuotaStrategy.TokenBucket => new RateLimitStrategy
            {
                TokenBucket = new TokenBucket
                {
                    MaxTokens = (uint)Math.Min(share, uint.MaxValue),
                    TokensPerFill = (uint)Math.Min(share, uint.MaxValue),
                    FillInterval = Duration.FromTimeSpan(spec.Window),
                },
            },
            _ => new RateLimitStrategy
            {
                RequestsPerTimeUnit = new RateLimitStrategy.Types.RequestsPerTimeUnit { RequestsPerTimeUnit_ = (ulong)share, TimeUnit = TimeUnit(spec.Window) },
            },
        };
    }

    // The loader allows requests_per_time_unit only on these windows.
    private static Unit TimeUnit(TimeSpan window) => window.Ticks switch
    {
        TimeSpan.TicksPerSecond => Unit.Second,
        TimeSpan.TicksPerMinute => Unit.Minute,
        TimeSpan.TicksPerHour => Unit.Hour,
        TimeSpan.TicksPerDay => Unit.Day,
        _ => Unit.Week,
    };
}
