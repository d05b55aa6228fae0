using System.Net;
using GrainLimiter.Client.AspNetCore;
using GrainLimiter.Client.AspNetCore.Keys;
using GrainLimiter.Client.AspNetCore.RateLimiting;
using GrainLimiter.Client.Tests.Fixtures;
using Microsoft.AspNetCore.Builder;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.AspNetCore;

/// <summary><c>UseGrainLimiter</c> through Kestrel in front of a real silo: exact headers and 429 body.</summary>
[Collection(SiloCollection.Name)]
public sealed class GrainLimiterMiddlewareTests(SiloFixture fixture)
{
    private Task<TestGateway> StartAsync(Action<global::GrainLimiter.Client.AspNetCore.Middleware.GrainLimiterMiddlewareOptions> configure) =>
        TestGateway.StartAsync(fixture.GrpcAddress, _ => { }, app =>
        {
            app.UseGrainLimiter(configure);
            app.MapGet("/hello", () => "hi");
        });

    [Fact]
    public async Task AdmittedResponsesCarryTheRateLimitHeaders()
    {
        await using var gateway = await StartAsync(o => o.Rules.Add(LimitRule.For("three-per-hour", RequestKeys.ApiKey())));

        using var response = await gateway.Http.SendAsync(Get("/hello", SiloFixture.UniqueKey("key")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("hi", await response.Content.ReadAsStringAsync());
        Assert.Equal("\"three-per-hour\";q=3;w=3600", Header(response, "RateLimit-Policy"));
        // One of three tokens used; one comes back every 20 minutes.
        Assert.Equal("\"three-per-hour\";r=2;t=1200", Header(response, "RateLimit"));
        Assert.Equal("3", Header(response, "X-RateLimit-Limit"));
        Assert.Equal("2", Header(response, "X-RateLimit-Remaining"));
        Assert.Equal("1200", Header(response, "X-RateLimit-Reset"));
        Assert.False(response.Headers.Contains("Retry-After"));
    }

    [Fact]
    public async Task DeniedRequestsGet429WithRetryAfterHeadersAndProblemDetails()
    {
        await using var gateway = await StartAsync(o => o.Rules.Add(LimitRule.For("three-per-hour", RequestKeys.ApiKey())));
        var apiKey = SiloFixture.UniqueKey("key");
        for (var i = 0; i < 3; i++)
        {
            using var admitted = await gateway.Http.SendAsync(Get("/hello", apiKey));
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        }

        using var response = await gateway.Http.SendAsync(Get("/hello", apiKey));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("1200", Header(response, "Retry-After"));
        Assert.Equal("\"three-per-hour\";q=3;w=3600", Header(response, "RateLimit-Policy"));
        Assert.Equal("\"three-per-hour\";r=0;t=3600", Header(response, "RateLimit"));
        Assert.Equal("0", Header(response, "X-RateLimit-Remaining"));
        Assert.Equal("3600", Header(response, "X-RateLimit-Reset"));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(
            """{"type":"https://www.rfc-editor.org/rfc/rfc6585#section-4","title":"Too Many Requests","status":429,"detail":"Limit """
            + """'three-per-hour' of policy 'three-per-hour' is exhausted for this client; retry after """
            + """1200 s.","instance":"/hello","policy":"three-per-hour","limit":"three-per-hour","retryAfter":1200}""",
            await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SeveralRulesAreDecidedTogetherAndTheTightestLimitIsReported()
    {
        await using var gateway = await StartAsync(o =>
        {
            o.Rules.Add(LimitRule.For("two-limits", RequestKeys.ApiKey()));
            o.Rules.Add(LimitRule.For("roomy", RequestKeys.Combine(RequestKeys.ApiKey(), RequestKeys.Endpoint())));
        });
        var apiKey = SiloFixture.UniqueKey("key");

        using var response = await gateway.Http.SendAsync(Get("/hello", apiKey));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("\"per-minute\";q=2;w=60, \"roomy\";q=1000000;w=1", Header(response, "RateLimit-Policy"));
        Assert.Equal("2", Header(response, "X-RateLimit-Limit"));
        Assert.Equal("1", Header(response, "X-RateLimit-Remaining"));
    }

    [Fact]
    public async Task RequestsWithoutAKeyAreNotLimitedByThatRule()
    {
        await using var gateway = await StartAsync(o => o.Rules.Add(LimitRule.For("three-per-hour", RequestKeys.ApiKey())));

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
        {
            using var response = await gateway.Http.GetAsync("/hello");
            statuses.Add(response.StatusCode);
        }

        Assert.All(statuses, static s => Assert.Equal(HttpStatusCode.OK, s));
    }

    internal static HttpRequestMessage Get(string path, string? apiKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (apiKey is not null)
        {
            request.Headers.Add("X-Api-Key", apiKey);
        }

        return request;
    }

    internal static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(", ", values) : throw new Xunit.Sdk.XunitException($"no {name} header");
}
