using System.Net;
using System.Net.Http.Json;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Fronts.Http;

public sealed class CheckEndpointsTests(HttpSiloFixture fixture) : IClassFixture<HttpSiloFixture>
{
    private readonly HttpClient _http = fixture.Silo.Http;

    [Fact]
    public async Task AllowsUpToTheLimitThenAnswers429WithRetryAfter()
    {
        var key = Guid.NewGuid().ToString();
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await _http.CheckAsync("ten-per-minute", key)).StatusCode);
        }

        var denied = await _http.CheckAsync("ten-per-minute", key);
        var body = await denied.JsonAsync();

        Assert.Equal(HttpStatusCode.TooManyRequests, denied.StatusCode);
        Assert.False(body.GetProperty("allowed").GetBoolean());
        var result = body.GetProperty("results")[0];
        Assert.Equal(0, result.GetProperty("remaining").GetInt64());
        Assert.InRange(result.GetProperty("retryAfterMs").GetInt64(), 1, 60_000);
        Assert.InRange(int.Parse(denied.Header("Retry-After")), 1, 60);
    }

    [Fact]
    public async Task AnswersCarryTheStandardHeaders()
    {
        var response = await _http.CheckAsync("ten-per-minute", Guid.NewGuid().ToString(), cost: 3);
        var resetSeconds = int.Parse(response.Header("X-RateLimit-Reset"));

        Assert.Equal("\"ten-per-minute\";q=10;w=60", response.Header("RateLimit-Policy"));
        Assert.Equal($"\"ten-per-minute\";r=7;t={resetSeconds}", response.Header("RateLimit"));
        Assert.Equal("10", response.Header("X-RateLimit-Limit"));
        Assert.Equal("7", response.Header("X-RateLimit-Remaining"));
        Assert.InRange(resetSeconds, 1, 60);
        Assert.Equal("", response.Header("Retry-After"));
    }

    [Fact]
    public async Task EveryLimitOfAPolicyIsListedInTheDraftHeaders()
    {
        var key = Guid.NewGuid().ToString();
        var response = await _http.CheckAsync("two-limits", key);
        await _http.CheckAsync("two-limits", key);
        var peek = await _http.GetAsync($"/v1/limits/two-limits/{key}");

        Assert.Equal("\"per-minute\";q=3;w=60, \"per-hour\";q=5;w=3600", response.Header("RateLimit-Policy"));
        Assert.Matches("^\"per-minute\";r=2;t=\\d+, \"per-hour\";r=4;t=\\d+$", response.Header("RateLimit"));
        Assert.Matches("^\"per-minute\";r=1;t=\\d+, \"per-hour\";r=3;t=\\d+$", peek.Header("RateLimit"));
    }

    [Fact]
    public async Task TokenBucketIsStatedAsItsBurstSoRemainingNeverExceedsTheQuota()
    {
        var response = await _http.CheckAsync("bursty", Guid.NewGuid().ToString());

        // 15 tokens, refilled at 10 per second: a whole burst per 1.5 s, stated as 15 per 2 s (rounded up, never more than allowed).
        Assert.Equal("\"bursty\";q=15;w=2", response.Header("RateLimit-Policy"));
        Assert.StartsWith("\"bursty\";r=14;", response.Header("RateLimit"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DeniedMultiKeyCheckIsChargedToNoKey()
    {
        var user = Guid.NewGuid().ToString();
        var ip = Guid.NewGuid().ToString();
        await _http.CheckAsync("ten-per-minute", ip, cost: 10);

        var response = await _http.PostAsJsonAsync("/v1/check", new
        {
            checks = new[] { new { policy = "hundred-per-hour", key = user, cost = 1 }, new { policy = "ten-per-minute", key = ip, cost = 1 } },
        });
        var usage = await (await _http.GetAsync($"/v1/limits/hundred-per-hour/{user}")).JsonAsync();

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("results")[0].GetProperty("allowed").GetBoolean());
        Assert.Equal(100, usage.GetProperty("remaining").GetInt64());
    }

    [Fact]
    public async Task MostRestrictiveLimitOfAPolicyDecides()
    {
        var key = Guid.NewGuid().ToString();
        await _http.CheckAsync("two-limits", key, cost: 3);

        var denied = await _http.CheckAsync("two-limits", key);
        var result = (await denied.JsonAsync()).GetProperty("results")[0];

        Assert.Equal(HttpStatusCode.TooManyRequests, denied.StatusCode);
        Assert.Equal("per-minute", result.GetProperty("limitName").GetString());
        Assert.Equal(3, result.GetProperty("limit").GetInt64());
    }

    [Fact]
    public async Task AlertIsReportedOnceUsageReachesTheThreshold()
    {
        var key = Guid.NewGuid().ToString();
        var below = (await (await _http.CheckAsync("alerting", key, cost: 14)).JsonAsync()).GetProperty("results")[0];
        var reached = (await (await _http.CheckAsync("alerting", key, cost: 1)).JsonAsync()).GetProperty("results")[0];

        Assert.False(below.TryGetProperty("alert", out _));
        Assert.True(reached.GetProperty("alert").GetBoolean());
        Assert.True(reached.GetProperty("allowed").GetBoolean());
    }

    [Fact]
    public async Task ShadowModeDecidesButAlwaysAdmits()
    {
        var key = Guid.NewGuid().ToString();
        await _http.CheckAsync("shadow", key);

        var response = await _http.CheckAsync("shadow", key);
        var result = (await response.JsonAsync()).GetProperty("results")[0];

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("shadow_mode", result.GetProperty("reason").GetString());
        Assert.Equal(0, result.GetProperty("remaining").GetInt64());
    }

    [Fact]
    public async Task CostAboveTheLimitIsNeverAdmissible()
    {
        var response = await _http.CheckAsync("ten-per-minute", Guid.NewGuid().ToString(), cost: 11);
        var result = (await response.JsonAsync()).GetProperty("results")[0];

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, result.GetProperty("retryAfterMs").ValueKind);
        Assert.Equal("cost_exceeds_capacity", result.GetProperty("reason").GetString());
        Assert.Equal("", response.Header("Retry-After"));
    }

    [Fact]
    public async Task GetReportsUsageWithoutCharging()
    {
        var key = Guid.NewGuid().ToString();
        await _http.CheckAsync("ten-per-minute", key, cost: 4);

        var first = await (await _http.GetAsync($"/v1/limits/ten-per-minute/{key}")).JsonAsync();
        var second = await (await _http.GetAsync($"/v1/limits/ten-per-minute/{key}")).JsonAsync();

        Assert.Equal(6, first.GetProperty("remaining").GetInt64());
        Assert.Equal(6, second.GetProperty("remaining").GetInt64());
    }

    [Fact]
    public async Task SixtyFourConcurrentCallersOnOneKeyAdmitExactlyTheLimit()
    {
        var key = Guid.NewGuid().ToString();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = fixture.Silo.HttpAddress };
        var admitted = 0;
        var denied = 0;

        await Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            for (var i = 0; i < 10; i++)
            {
                var response = await http.CheckAsync("hundred-per-hour", key);
                Interlocked.Increment(ref response.StatusCode == HttpStatusCode.OK ? ref admitted : ref denied);
            }
        }));

        Assert.Equal(100, admitted);
        Assert.Equal(540, denied);
    }
}
