using System.Threading.RateLimiting;
using GrainLimiter.Client.AspNetCore.Keys;
using GrainLimiter.Client.AspNetCore.Responses;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;

namespace GrainLimiter.Client.AspNetCore.RateLimiting;

/// <summary>A named ASP.NET Core rate-limiter policy (<c>[EnableRateLimiting("name")]</c>, <c>RequireRateLimiting("name")</c>)
/// whose partitions are cluster keys; a rejection is answered with the standard headers and a problem+json body.</summary>
public sealed class GrainLimiterEndpointPolicy(Func<HttpContext, string?> policy, RequestKeySelector key) : IRateLimiterPolicy<ClusterKey>
{
    private static readonly ClusterKey Unlimited = new("", "");

    /// <summary>Writes the 429: headers from the lease's decision and a problem+json body.</summary>
    public Func<OnRejectedContext, CancellationToken, ValueTask>? OnRejected { get; } = RateLimitResponse.OnRejectedAsync;

    /// <summary>The partition of this request: its cluster key, or a no-limit partition when the policy or key does not apply.</summary>
    public RateLimitPartition<ClusterKey> GetPartition(HttpContext httpContext)
    {
        if (policy(httpContext) is not { } clusterPolicy || key(httpContext) is not { } clusterKey)
        {
            return RateLimitPartition.GetNoLimiter(Unlimited);
        }

        var client = httpContext.RequestServices.GetRequiredService<GrainLimiterClient>();
        var time = httpContext.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System;
        return RateLimitPartition.Get(new ClusterKey(clusterPolicy, clusterKey), partition => new ClusterKeyRateLimiter(client, partition, time));
    }
}
