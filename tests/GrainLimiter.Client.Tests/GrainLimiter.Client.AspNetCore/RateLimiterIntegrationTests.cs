using System.Net;
using GrainLimiter.Client.AspNetCore;
using GrainLimiter.Client.AspNetCore.Keys;
using GrainLimiter.Client.AspNetCore.RateLimiting;
using GrainLimiter.Client.Tests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using static GrainLimiter.Client.Tests.GrainLimiter.Client.AspNetCore.GrainLimiterMiddlewareTests;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.AspNetCore;

/// <summary>ASP.NET Core's own rate limiting (<c>AddRateLimiter</c>, <c>[EnableRateLimiting]</c>, <c>RequireRateLimiting</c>,
/// <c>GlobalLimiter</c>) backed by the cluster, unchanged application code.</summary>
[Collection(SiloCollection.Name)]
public sealed class RateLimiterIntegrationTests(SiloFixture fixture)
{
    [Fact]
    public async Task EnableRateLimitingEndpointsAreLimitedByTheClusterAndOthersAreNot()
    {
        await using var gateway = await TestGateway.StartAsync(fixture.GrpcAddress,
            services => services.AddRateLimiter(o => o.AddGrainLimiterPolicy("three", "three-per-hour", RequestKeys.ApiKey())),
            app =>
            {
                app.UseRateLimiter();
                app.MapGet("/attribute", [EnableRateLimiting("three")] () => "limited");
                app.MapGet("/fluent", () => "limited").RequireRateLimiting("three");
                app.MapGet("/open", () => "open");
            });
        var apiKey = SiloFixture.UniqueKey("key");

        var statuses = new List<HttpStatusCode>();
        foreach (var path in new[] { "/attribute", "/fluent", "/attribute", "/fluent" })
        {
            using var response = await gateway.Http.SendAsync(Get(path, apiKey));
            statuses.Add(response.StatusCode);
        }

        using var open = await gateway.Http.SendAsync(Get("/open", apiKey));
        using var rejected = await gateway.Http.SendAsync(Get("/attribute", apiKey));

        // Both endpoints share the key's budget of 3 in the cluster.
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        Assert.Equal("1200", Header(rejected, "Retry-After"));
        Assert.Equal("\"three-per-hour\";r=0;t=3600", Header(rejected, "RateLimit"));
        Assert.Contains("\"retryAfter\":1200", await rejected.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheGlobalPartitionedLimiterLimitsEveryRequestAndItsLeaseCarriesRetryAfterAndReason()
    {
        var leases = new List<(TimeSpan? RetryAfter, string? Reason)>();
        await using var gateway = await TestGateway.StartAsync(fixture.GrpcAddress,
            services =>
            {
                services.AddRateLimiter(o => o.OnRejected = async (context, token) =>
                {
                    context.Lease.TryGetMetadata(System.Threading.RateLimiting.MetadataName.RetryAfter, out var retryAfter);
                    context.Lease.TryGetMetadata(System.Threading.RateLimiting.MetadataName.ReasonPhrase, out var reason);
                    lock (leases) leases.Add((retryAfter, reason));
                    await global::GrainLimiter.Client.AspNetCore.Responses.RateLimitResponse.OnRejectedAsync(context, token);
                });
                services.AddGrainLimiterGlobalLimiter(LimitRule.For("three-per-hour", RequestKeys.ApiKey()));
            },
            app =>
            {
                app.UseRateLimiter();
                app.MapGet("/a", () => "a");
                app.MapGet("/b", () => "b");
            });
        var apiKey = SiloFixture.UniqueKey("key");

        var statuses = new List<HttpStatusCode>();
        foreach (var path in new[] { "/a", "/b", "/a", "/b" })
        {
            using var response = await gateway.Http.SendAsync(Get(path, apiKey));
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);
        var (leaseRetryAfter, leaseReason) = Assert.Single(leases);
        Assert.InRange(leaseRetryAfter!.Value, TimeSpan.FromMinutes(19), TimeSpan.FromMinutes(20));
        Assert.Equal("Limit 'three-per-hour' of policy 'three-per-hour' is exhausted for this client; retry after 1200 s.", leaseReason);
    }

    [Fact]
    public async Task AttemptAcquireNeverChargesTheCluster()
    {
        using var client = fixture.NewClient();
        var key = SiloFixture.UniqueKey("key");
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Api-Key"] = key;
        using var limiter = new GrainLimiterPartitionedRateLimiter(client, [LimitRule.For("three-per-hour", _ => key)]);

        using var attempt = limiter.AttemptAcquire(context);
        var usage = await client.GetAsync("three-per-hour", key);

        Assert.False(attempt.IsAcquired);
        Assert.Equal(3, usage.Remaining);
    }
}
