using System.Threading.RateLimiting;
using GrainLimiter.Client.Decisions;

namespace GrainLimiter.Client.AspNetCore.RateLimiting;

/// <summary>Lease metadata the GrainLimiter limiters add beside <see cref="MetadataName.RetryAfter"/> and <see cref="MetadataName.ReasonPhrase"/>.</summary>
public static class GrainLimiterMetadata
{
    /// <summary>The cluster's decisions behind the lease (for headers, logs).</summary>
    public static readonly MetadataName<ClusterCheckOutcome> Outcome = MetadataName.Create<ClusterCheckOutcome>("GrainLimiter.Outcome");
}
