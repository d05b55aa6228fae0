using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http;

namespace GrainLimiter.Client.AspNetCore.RateLimiting;

/// <summary>A distributed <see cref="PartitionedRateLimiter{HttpContext}"/>: each rule maps the request to a cluster key, and the
/// cluster decides all of them at once. Use it as <c>RateLimiterOptions.GlobalLimiter</c>.</summary>
/// <remarks><see cref="PartitionedRateLimiter{TResource}.AttemptAcquire"/> cannot ask the cluster synchronously: it answers
/// "not acquired" without charging, and ASP.NET Core's middleware then calls <c>AcquireAsync</c>, which decides.</remarks>
public sealed class GrainLimiterPartitionedRateLimiter(GrainLimiterClient client, IReadOnlyList<LimitRule> rules) : PartitionedRateLimiter<HttpContext>
{
    /// <summary>Statistics live in the cluster; none are kept here.</summary>
    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) => ClusterLease.Undecided;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken) =>
        new ClusterLease(await RequestChecks.DecideAsync(client, rules, resource, permitCount, cancellationToken).ConfigureAwait(false));
}
