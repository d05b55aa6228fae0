using System.Net;
using System.Text.Json;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Fronts.Http;

public sealed class BadInputTests(HttpSiloFixture fixture) : IClassFixture<HttpSiloFixture>
{
    private readonly HttpClient _http = fixture.Silo.Http;

    public static TheoryData<string, string> BadChecks => new()
    {
        { "{\"checks\":[{\"policy\":\"ten-per", "body" },
        { "not json", "body" },
        { "[]", "body" },
        { "{}", "checks" },
        { "{\"checks\":[]}", "checks" },
        { "{\"checks\":[null]}", "checks[0]" },
        { "{\"checks\":[{\"key\":\"k\"}]}", "checks[0].policy" },
        { "{\"checks\":[{\"policy\":\"no-such-policy\",\"key\":\"k\"}]}", "checks[0].policy" },
        { "{\"checks\":[{\"policy\":\"ten-per-minute\",\"key\":\"\"}]}", "checks[0].key" },
        { "{\"checks\":[{\"policy\":\"ten-per-minute\"}]}", "checks[0].key" },
        { $"{{\"checks\":[{{\"policy\":\"ten-per-minute\",\"key\":\"{new string('k', 257)}\"}}]}}", "checks[0].key" },
        { "{\"checks\":[{\"policy\":\"ten-per-minute\",\"key\":\"k\",\"cost\":-1}]}", "checks[0].cost" },
        { "{\"checks\":[{\"policy\":\"ten-per-minute\",\"key\":\"k\",\"cost\":1.5}]}", "checks[0].cost" },
        { "{\"checks\":[{\"policy\":\"ten-per-minute\",\"key\":\"k\",\"cost\":99999999999999999999999}]}", "checks[0].cost" },
        { "{\"checks\":[{\"policy\":\"ten-per-minute\",\"key\":\"k\",\"cost\":1000000000000}]}", "checks[0].cost" },
        { "{\"checks\":[{\"policy\":\"ten-per-minute\",\"key\":7}]}", "checks[0].key" },
        { "{\"checks\":" + new string('[', 100) + new string(']', 100) + "}", "body" },
    };

    [Theory]
    [MemberData(nameof(BadChecks))]
    public async Task MalformedCheckAnswers400NamingTheField(string body, string field)
    {
        var response = await _http.PostRawAsync("/v1/check", body);
        var problem = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith(field, problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task TooManyChecksIsRejected()
    {
        var checks = Enumerable.Range(0, 101).Select(i => new { policy = "ten-per-minute", key = $"k{i}", cost = 1 });
        var response = await _http.PostRawAsync("/v1/check", JsonSerializer.Serialize(new { checks }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("at most 100", (await response.JsonAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task OversizedBodyIsRejectedWithoutReadingItAll()
    {
        var body = "{\"checks\":[{\"policy\":\"ten-per-minute\",\"key\":\"" + new string('x', 200_000) + "\"}]}";
        var response = await _http.PostRawAsync("/v1/check", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("body", (await response.JsonAsync()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task KeyOfTooManyUtf8BytesIsRejectedEvenWhenFewCharacters()
    {
        // 100 characters, 300 bytes in UTF-8.
        var response = await _http.CheckAsync("ten-per-minute", new string('€', 100));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("300 bytes", (await response.JsonAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task ReleaseWithoutLeaseIdIsRejected()
    {
        var response = await _http.PostRawAsync("/v1/release", "{\"policy\":\"ten-per-minute\",\"key\":\"k\"}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("leaseId", (await response.JsonAsync()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task GetOfUnknownPolicyIsRejected()
    {
        var response = await _http.GetAsync("/v1/limits/no-such-policy/k");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("policy", (await response.JsonAsync()).GetProperty("field").GetString());
    }
}
