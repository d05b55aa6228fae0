using System.Net;
using System.Net.Http.Json;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Fronts.Http;

/// <summary>The <c>Idempotency-Key</c> header of <c>POST /v1/check</c>: a retried check is answered as the first time and charged once.</summary>
public sealed class IdempotencyKeyTests(HttpSiloFixture fixture) : IClassFixture<HttpSiloFixture>
{
    private readonly HttpClient _http = fixture.Silo.Http;

    [Theory]
    [InlineData("\"8e03978e-40d5-43e8-bc93-6894a57f9324\"")]
    [InlineData("8e03978e-40d5-43e8-bc93-6894a57f9324")]
    public async Task ACheckSentTwiceWithOneKeyIsChargedOnceAndAnsweredTheSame(string header)
    {
        var key = Guid.NewGuid().ToString();

        var first = await CheckAsync(key, header);
        var again = await CheckAsync(key, header);
        // The quotes of the draft's structured-field string are not part of the key: both spellings are one id.
        var otherSpelling = await CheckAsync(key, header.StartsWith('"') ? header.Trim('"') : $"\"{header}\"");

        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(await first.Content.ReadAsStringAsync(), await again.Content.ReadAsStringAsync());
        Assert.Equal(9, (await otherSpelling.JsonAsync()).GetProperty("results")[0].GetProperty("remaining").GetInt64());
        Assert.Equal(9, await RemainingAsync(key));
    }

    [Fact]
    public async Task ChecksWithDifferentKeysOrNoneAreEachCharged()
    {
        var key = Guid.NewGuid().ToString();

        await CheckAsync(key, "a");
        await CheckAsync(key, "b");
        await _http.CheckAsync("ten-per-minute", key);

        Assert.Equal(7, await RemainingAsync(key));
    }

    [Theory]
    [InlineData("\"\"", "Idempotency-Key must not be empty.")]
    [InlineData("", "Idempotency-Key must not be empty.")]
    public async Task AnEmptyKeyIsA400NamingTheHeader(string header, string detail)
    {
        var response = await CheckAsync(Guid.NewGuid().ToString(), header);

        await AssertBadRequestAsync(response, detail);
    }

    [Fact]
    public async Task AKeyOverMaxRequestIdBytesIsA400NamingTheHeaderAndChargesNothing()
    {
        var key = Guid.NewGuid().ToString();

        var response = await CheckAsync(key, new string('k', 65));

        await AssertBadRequestAsync(response, "Idempotency-Key is 65 bytes long; at most 64 bytes (UTF-8) are allowed.");
        Assert.Equal(10, await RemainingAsync(key));
    }

    [Theory]
    [InlineData("a, b")]
    [InlineData("\"a\", \"b\"")]
    public async Task TwoKeysInOneRequestAreA400(string header)
    {
        var response = await CheckAsync(Guid.NewGuid().ToString(), header);

        await AssertBadRequestAsync(response, "Idempotency-Key must be sent once, with one value.");
    }

    private async Task<HttpResponseMessage> CheckAsync(string key, string idempotencyKey)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/check")
        {
            Content = JsonContent.Create(new { checks = new[] { new { policy = "ten-per-minute", key } } }),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
        return await _http.SendAsync(request);
    }

    private async Task<long> RemainingAsync(string key) =>
        (await (await _http.GetAsync($"/v1/limits/ten-per-minute/{key}")).JsonAsync()).GetProperty("remaining").GetInt64();

    private static async Task AssertBadRequestAsync(HttpResponseMessage response, string detail)
    {
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.JsonAsync();
        Assert.Equal("Idempotency-Key", problem.GetProperty("field").GetString());
        Assert.Equal(detail, problem.GetProperty("detail").GetString());
    }
}
