using GrainLimiter.Client.AspNetCore.Keys;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace GrainLimiter.Client.AspNetCore.RateLimiting;

/// <summary>Named GrainLimiter policies for <c>[EnableRateLimiting]</c> / <c>RequireRateLimiting</c>.</summary>
public static class RateLimiterOptionsExtensions
{
    /// <summary>Adds policy <paramref name="name"/>: requests are limited by the cluster under <paramref name="clusterPolicy"/>,
    /// keyed by <paramref name="key"/>.</summary>
    public static RateLimiterOptions AddGrainLimiterPolicy(this RateLimiterOptions options, string name, string clusterPolicy, RequestKeySelector key)
    {
        ArgumentException.ThrowIfNullOrEmpty(clusterPolicy);
        return options.AddGrainLimiterPolicy(name, _ => clusterPolicy, key);
    }

    /// <summary>Adds policy <paramref name="name"/> whose cluster policy is chosen per request (e.g. by API key tier).</summary>
    public static RateLimiterOptions AddGrainLimiterPolicy(this RateLimiterOptions options, string name, Func<HttpContext, string?> clusterPolicy,
        RequestKeySelector key)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.AddPolicy(name, new GrainLimiterEndpointPolicy(clusterPolicy, key));
    }
}
