using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Fronts.Admin;

/// <summary><c>GET /admin/v1/top</c> on a cluster of two silos (Redis membership): each silo's decisions, summed.</summary>
[Collection(RedisServerCollection.Name)]
public sealed class TopEndpointTests(RedisServerFixture redis) : IAsyncLifetime
{
    private const string Token = "test-admin-token-top-0123456";
    private const string Policies = """
        policies:
          - name: two-per-hour
            limits:
              - { algorithm: token_bucket, limit: 2, window: 1h }
        """;

    private RunningSilo _first = null!;
    private RunningSilo _second = null!;

    public async Task InitializeAsync()
    {
        var cluster = "top" + Guid.NewGuid().ToString("N")[..8];
        var settings = new Dictionary<string, string?>
        {
            ["GrainLimiter:AdminToken"] = Token,
            ["GrainLimiter:Storage"] = "redis",
            ["GrainLimiter:Redis"] = redis.Server.ConnectionString,
            ["GrainLimiter:RedisKeyPrefix"] = cluster,
            ["GrainLimiter:Cluster:Membership"] = "redis",
            ["GrainLimiter:Cluster:ClusterId"] = cluster,
            ["GrainLimiter:Cluster:AdvertisedIp"] = "127.0.0.1",
        };
        _first = await RunningSilo.StartAsync(Policies, settings);
        _second = await RunningSilo.StartAsync(Policies, settings);
        await Eventually.TrueAsync(async () => (await TopAsync(_first, "/admin/v1/top")).GetProperty("silos").GetInt32() == 2
            && (await TopAsync(_second, "/admin/v1/top")).GetProperty("silos").GetInt32() == 2, TimeSpan.FromSeconds(30), "both silos see each other");
    }

    public async Task DisposeAsync()
    {
        await _second.DisposeAsync();
        await _first.DisposeAsync();
    }

    [Fact]
    public async Task DenialsOnEverySiloAreSummedPerKeyAndPerPolicy()
    {
        var hot = $"hot-{Guid.NewGuid():N}";
        var mild = $"mild-{Guid.NewGuid():N}";
        // Two admitted, then denied: three denials of the hot key through the first silo, two through the second.
        foreach (var (silo, key, checks) in new[] { (_first, hot, 5), (_second, hot, 2), (_second, mild, 3) })
        {
            for (var i = 0; i < checks; i++)
            {
                await silo.Http.CheckAsync("two-per-hour", key);
            }
        }

        var top = await TopAsync(_first, "/admin/v1/top?count=1000");

        Assert.Equal(60, top.GetProperty("windowSeconds").GetInt32());
        var keys = top.GetProperty("keys").EnumerateArray().Select(static k => (k.GetProperty("key").GetString(), k.GetProperty("denied").GetInt64())).ToList();
        Assert.Contains((hot, 5L), keys);
        Assert.Contains((mild, 1L), keys);
        Assert.True(keys.IndexOf((hot, 5L)) < keys.IndexOf((mild, 1L)), "the most denied key comes first");
        var policy = Assert.Single(top.GetProperty("policies").EnumerateArray());
        Assert.Equal("two-per-hour", policy.GetProperty("policy").GetString());
        Assert.Equal(4, policy.GetProperty("allowed").GetInt64());
        Assert.Equal(6, policy.GetProperty("denied").GetInt64());
        Assert.Equal(0.6, policy.GetProperty("blockRate").GetDouble());
        Assert.Single((await TopAsync(_second, "/admin/v1/top?count=1")).GetProperty("keys").EnumerateArray());
    }

    [Theory]
    [InlineData("0")]
    [InlineData("1001")]
    [InlineData("ten")]
    [InlineData("-1")]
    public async Task ABadCountIsRefusedNamingTheField(string count)
    {
        var response = await SendAsync(_first, $"/admin/v1/top?count={count}", Token);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"field\":\"count\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutATokenItIsRefused() =>
        Assert.Equal(HttpStatusCode.Unauthorized, (await _first.Http.GetAsync("/admin/v1/top")).StatusCode);

    private static async Task<JsonElement> TopAsync(RunningSilo silo, string path)
    {
        var response = await SendAsync(silo, path, Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    private static Task<HttpResponseMessage> SendAsync(RunningSilo silo, string path, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return silo.Http.SendAsync(request);
    }
}
