using System.Net;
using System.Net.Http.Headers;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Fronts.Admin;

public sealed class AdminEndpointsTests(HttpSiloFixture fixture) : IClassFixture<HttpSiloFixture>
{
    private readonly HttpClient _http = fixture.Silo.Http;

    [Fact]
    public async Task ResetWithTheTokenForgetsTheKey()
    {
        var key = Guid.NewGuid().ToString();
        await _http.CheckAsync("ten-per-minute", key, cost: 10);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _http.CheckAsync("ten-per-minute", key)).StatusCode);

        var reset = await SendResetAsync(key, HttpSiloFixture.AdminToken);

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _http.CheckAsync("ten-per-minute", key)).StatusCode);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-token-0123456789")]
    [InlineData("test-admin-token-012345678")]
    public async Task ResetWithoutTheRightTokenIs401AndChangesNothing(string? token)
    {
        var key = Guid.NewGuid().ToString();
        await _http.CheckAsync("ten-per-minute", key, cost: 10);

        var reset = await SendResetAsync(key, token);

        Assert.Equal(HttpStatusCode.Unauthorized, reset.StatusCode);
        Assert.Equal("Bearer", reset.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _http.CheckAsync("ten-per-minute", key)).StatusCode);
    }

    [Fact]
    public async Task ResetOfUnknownPolicyIs400()
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/reset") { Content = new StringContent("{\"policy\":\"nope\",\"key\":\"k\"}") };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", HttpSiloFixture.AdminToken);

        var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task WithNoTokenConfiguredAdminEndpointsDoNotExist()
    {
        await using var silo = await RunningSilo.StartAsync(HttpSiloFixture.Policies);
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/reset")
        {
            Content = new StringContent("{\"policy\":\"ten-per-minute\",\"key\":\"k\"}")
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "anything-at-all-0123");

        var response = await silo.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task ClusterViewListsTheSiloFromOrleansMembershipWithItsActivations()
    {
        await _http.CheckAsync("ten-per-minute", Guid.NewGuid().ToString());
        var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/cluster");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", HttpSiloFixture.AdminToken);

        var response = await _http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var view = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var silo = Assert.Single(view.RootElement.GetProperty("silos").EnumerateArray());
        Assert.Equal("active", silo.GetProperty("status").GetString());
        Assert.Equal(view.RootElement.GetProperty("self").GetString(), silo.GetProperty("address").GetString());
        Assert.True(silo.GetProperty("activations").GetInt32() >= 1);
    }

    [Fact]
    public async Task ClusterViewNeedsTheToken()
    {
        var response = await _http.GetAsync(new Uri("/admin/v1/cluster", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private Task<HttpResponseMessage> SendResetAsync(string key, string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/admin/v1/reset")
        {
            Content = new StringContent($"{{\"policy\":\"ten-per-minute\",\"key\":\"{key}\"}}"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return _http.SendAsync(request);
    }
}
