using System.Net;
using System.Net.Http.Headers;
using GrainLimiter.Silo.Fronts.Admin;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.Extensions.Logging;

namespace GrainLimiter.Silo.Tests.Fronts.Admin;

/// <summary>Read-only and read-write admin tokens, and the audit trail of admin calls.</summary>
public sealed class AdminAccessTests : IAsyncLifetime
{
    private const string WriteToken = "test-admin-write-token-0123";
    private const string ReadToken = "test-admin-read-token-01234";
    private RunningSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await RunningSilo.StartAsync(HttpSiloFixture.Policies,
        new Dictionary<string, string?>
        {
            ["GrainLimiter:AdminToken"] = WriteToken,
            ["GrainLimiter:AdminReadToken"] = ReadToken,
            ["Logging:LogLevel:GrainLimiter.Audit"] = "Information",
        },
        builder => builder.Logging.AddFakeLogging());

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task TheReadTokenMayLookButNotChange()
    {
        var key = Guid.NewGuid().ToString();
        await _silo.Http.CheckAsync("ten-per-minute", key, cost: 10);

        var cluster = await SendAsync(HttpMethod.Get, "/admin/v1/cluster", ReadToken);
        var reset = await SendAsync(HttpMethod.Post, "/admin/v1/reset", ReadToken, $"{{\"policy\":\"ten-per-minute\",\"key\":\"{key}\"}}");

        Assert.Equal(HttpStatusCode.OK, cluster.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, reset.StatusCode);
        Assert.Equal("application/problem+json", reset.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"field\":\"Authorization\"", await reset.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _silo.Http.CheckAsync("ten-per-minute", key)).StatusCode);
    }

    [Fact]
    public async Task TheWriteTokenMayChange()
    {
        var key = Guid.NewGuid().ToString();
        await _silo.Http.CheckAsync("ten-per-minute", key, cost: 10);

        var reset = await SendAsync(HttpMethod.Post, "/admin/v1/reset", WriteToken, $"{{\"policy\":\"ten-per-minute\",\"key\":\"{key}\"}}");

        Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _silo.Http.CheckAsync("ten-per-minute", key)).StatusCode);
    }

    [Fact]
    public async Task EveryCallIsAuditedWithItsTargetAndOutcomeButNeverTheToken()
    {
        var key = $"audited-{Guid.NewGuid():N}";

        await SendAsync(HttpMethod.Post, "/admin/v1/reset", WriteToken, $"{{\"policy\":\"ten-per-minute\",\"key\":\"{key}\"}}");
        await SendAsync(HttpMethod.Post, "/admin/v1/reset", ReadToken, $"{{\"policy\":\"ten-per-minute\",\"key\":\"{key}\"}}");
        await SendAsync(HttpMethod.Post, "/admin/v1/reset", "not-a-token-at-all-0123", $"{{\"policy\":\"ten-per-minute\",\"key\":\"{key}\"}}");

        string[] Lines() => AuditLines().Where(l => l.Contains("/admin/v1/reset", StringComparison.Ordinal)).ToArray();
        await Eventually.TrueAsync(() => Task.FromResult(Lines().Length >= 3), TimeSpan.FromSeconds(10), "three audit lines are logged");
        var lines = Lines();
        Assert.Contains(lines, l => l.Contains($"key {key}", StringComparison.Ordinal) && l.Contains("access Write", StringComparison.Ordinal)
            && l.Contains("answered 204", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("access Read", StringComparison.Ordinal) && l.Contains("answered 403", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("access None", StringComparison.Ordinal) && l.Contains("answered 401", StringComparison.Ordinal));
        Assert.DoesNotContain(AuditLines(), l => l.Contains(WriteToken, StringComparison.Ordinal) || l.Contains(ReadToken, StringComparison.Ordinal)
            || l.Contains("not-a-token", StringComparison.Ordinal));
    }

    private IEnumerable<string> AuditLines() =>
        _silo.Services.GetFakeLogCollector().GetSnapshot().Where(static r => r.Category == AdminAudit.Category).Select(static r => r.Message);

    private Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, string? body = null)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body) };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return _silo.Http.SendAsync(request);
    }
}
