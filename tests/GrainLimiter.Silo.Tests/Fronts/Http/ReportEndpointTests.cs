using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Fronts.Http;

/// <summary><c>POST /v1/report</c> and <c>reportOutcome</c> in the decision JSON.</summary>
[Collection(AdaptiveSiloCollection.Name)]
public sealed class ReportEndpointTests(AdaptiveSiloFixture fixture)
{
    private readonly HttpClient _http = fixture.Silo.Http;

    [Fact]
    public async Task ReportAnswersHowManyOutcomesAnAdaptiveLimitCounted()
    {
        var key = AdaptiveSiloFixture.UniqueKey();

        var response = await _http.PostAsJsonAsync("/v1/report", new
        {
            outcomes = new object[]
            {
                new { policy = AdaptiveSiloFixture.Adaptive, key, failed = false, latencyMs = 12.5, status = 200 },
                new { policy = AdaptiveSiloFixture.Adaptive, key, failed = true },
                new { policy = AdaptiveSiloFixture.Static, key, status = 503 },
            },
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("{\"accepted\":2}", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OutcomesOfAStaticPolicyAreAnsweredButIgnored()
    {
        var response = await _http.PostRawAsync("/v1/report", $"{{\"outcomes\":[{{\"policy\":\"static\",\"key\":\"{AdaptiveSiloFixture.UniqueKey()}\"}}]}}");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(0, (await response.JsonAsync()).GetProperty("accepted").GetInt32());
    }

    public static TheoryData<string, string> BadReports => new()
    {
        { "not json", "body" },
        { "[]", "body" },
        { "{}", "outcomes" },
        { "{\"outcomes\":[]}", "outcomes" },
        { "{\"outcomes\":[null]}", "outcomes[0]" },
        { "{\"outcomes\":[{\"key\":\"k\"}]}", "outcomes[0].policy" },
        { "{\"outcomes\":[{\"policy\":\"no-such-policy\",\"key\":\"k\"}]}", "outcomes[0].policy" },
        { "{\"outcomes\":[{\"policy\":\"adaptive\",\"key\":\"k\"},{\"policy\":\"adaptive\",\"key\":\"\"}]}", "outcomes[1].key" },
        { $"{{\"outcomes\":[{{\"policy\":\"adaptive\",\"key\":\"{new string('k', 257)}\"}}]}}", "outcomes[0].key" },
        { "{\"outcomes\":[{\"policy\":\"adaptive\",\"key\":\"k\",\"latencyMs\":-1}]}", "outcomes[0].latencyMs" },
        { "{\"outcomes\":[{\"policy\":\"adaptive\",\"key\":\"k\",\"latencyMs\":3600000.5}]}", "outcomes[0].latencyMs" },
        { "{\"outcomes\":[{\"policy\":\"adaptive\",\"key\":\"k\",\"latencyMs\":1e300}]}", "outcomes[0].latencyMs" },
        { "{\"outcomes\":[{\"policy\":\"adaptive\",\"key\":\"k\",\"latencyMs\":\"fast\"}]}", "outcomes[0].latencyMs" },
        { "{\"outcomes\":[{\"policy\":\"adaptive\",\"key\":\"k\",\"status\":600}]}", "outcomes[0].status" },
        { "{\"outcomes\":[{\"policy\":\"adaptive\",\"key\":\"k\",\"status\":99}]}", "outcomes[0].status" },
        { "{\"outcomes\":[{\"policy\":\"adaptive\",\"key\":\"k\",\"status\":200.5}]}", "outcomes[0].status" },
        { "{\"outcomes\":[{\"policy\":\"adaptive\",\"key\":\"k\",\"failed\":\"yes\"}]}", "outcomes[0].failed" },
        { "{\"outcomes\":[null,null,null,null,null]}", "outcomes" },
    };

    [Theory]
    [MemberData(nameof(BadReports))]
    public async Task MalformedReportAnswers400NamingTheField(string body, string field)
    {
        var response = await _http.PostRawAsync("/v1/report", body);
        var problem = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(field, problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task TooManyOutcomesAreRejectedBeforeAnyIsRead()
    {
        var outcomes = Enumerable.Range(0, AdaptiveSiloFixture.MaxOutcomes + 1).Select(_ => new { policy = "adaptive", key = "k" });
        var response = await _http.PostRawAsync("/v1/report", JsonSerializer.Serialize(new { outcomes }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains($"at most {AdaptiveSiloFixture.MaxOutcomes} are allowed", (await response.JsonAsync()).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task OversizedBodyIsRefusedAsCheckRefusesIt()
    {
        var body = "{\"outcomes\":[{\"policy\":\"adaptive\",\"key\":\"" + new string('x', AdaptiveSiloFixture.MaxBodyBytes * 2) + "\"}]}";
        var response = await _http.PostRawAsync("/v1/report", body);
        var problem = await response.JsonAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Request body too large", problem.GetProperty("title").GetString());
        Assert.Equal("body", problem.GetProperty("field").GetString());
    }

    [Fact]
    public async Task DecisionsOfAnAdaptivePolicyCarryReportOutcomeAndOthersLeaveItOut()
    {
        var key = AdaptiveSiloFixture.UniqueKey();

        var check = await (await _http.PostAsJsonAsync("/v1/check", new
        {
            checks = new[] { new { policy = AdaptiveSiloFixture.Adaptive, key }, new { policy = AdaptiveSiloFixture.Static, key } },
        })).JsonAsync();
        var get = await (await _http.GetAsync(new Uri($"/v1/limits/{AdaptiveSiloFixture.Adaptive}/{key}", UriKind.Relative))).JsonAsync();

        Assert.True(check.GetProperty("results")[0].GetProperty("reportOutcome").GetBoolean());
        Assert.False(check.GetProperty("results")[1].TryGetProperty("reportOutcome", out _));
        Assert.True(get.GetProperty("reportOutcome").GetBoolean());
    }
}
