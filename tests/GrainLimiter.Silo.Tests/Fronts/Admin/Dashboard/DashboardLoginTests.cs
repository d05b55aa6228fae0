using System.Net;
using System.Text.RegularExpressions;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Fronts.Admin.Dashboard;

/// <summary>The dashboard's login form and cookie over real HTTP, and what is served without them.</summary>
public sealed partial class DashboardLoginTests : IAsyncLifetime
{
    private const string WriteToken = "test-dashboard-write-0123";
    private const string ReadToken = "test-dashboard-read-01234";
    private RunningSilo _silo = null!;

    public async Task InitializeAsync() => _silo = await RunningSilo.StartAsync(HttpSiloFixture.Policies,
        new Dictionary<string, string?> { ["GrainLimiter:AdminToken"] = WriteToken, ["GrainLimiter:AdminReadToken"] = ReadToken });

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task LoggingInSetsAnHttpOnlySameSiteStrictCookieScopedToAdmin()
    {
        using var browser = Browser();

        var login = await LogInAsync(browser, WriteToken, "/admin/dashboard/");

        Assert.Equal(HttpStatusCode.Found, login.StatusCode);
        Assert.Equal("/admin/dashboard/", login.Headers.Location?.OriginalString);
        var cookie = Assert.Single(login.Headers.GetValues("Set-Cookie"), c => c.StartsWith("grainlimiter_admin=", StringComparison.Ordinal));
        var attributes = cookie.Split(';', StringSplitOptions.TrimEntries).Skip(1).Select(static a => a.ToLowerInvariant()).ToArray();
        Assert.Contains("httponly", attributes);
        Assert.Contains("samesite=strict", attributes);
        Assert.Contains("path=/admin", attributes);
        Assert.DoesNotContain("secure", attributes); // plain HTTP here; over HTTPS the cookie is Secure
        Assert.DoesNotContain(WriteToken, cookie, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/admin/page")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/admin/dashboard/")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("/admin/v1/top")).StatusCode);
    }

    [Fact]
    public async Task WithoutTheCookieAPageRedirectsToTheLoginFormAndTheApiAnswers401()
    {
        using var browser = Browser();

        var page = await browser.GetAsync("/admin/page");
        var orleans = await browser.GetAsync("/admin/dashboard/");
        var api = await browser.GetAsync("/admin/v1/top");

        Assert.Equal(HttpStatusCode.Found, page.StatusCode);
        Assert.Equal("/admin/login?returnUrl=%2Fadmin%2Fpage", page.Headers.Location?.PathAndQuery);
        Assert.Equal(HttpStatusCode.Found, orleans.StatusCode);
        Assert.StartsWith("/admin/login", orleans.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, api.StatusCode);
        Assert.Equal("application/problem+json", api.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AWrongTokenOrAMissingAntiforgeryTokenIsRefused()
    {
        using var browser = Browser();

        var wrong = await LogInAsync(browser, "not-an-admin-token-0123", "");
        var forged = await browser.PostAsync("/admin/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["token"] = WriteToken }));

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Contains("not an admin token", await wrong.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(wrong.Headers.TryGetValues("Set-Cookie", out var set)
            && set.Any(static c => c.StartsWith("grainlimiter_admin=", StringComparison.Ordinal)));
        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
    }

    [Fact]
    public async Task AChangeWithTheCookieNeedsTheRequestHeaderAndTheWriteToken()
    {
        using var writer = Browser();
        using var reader = Browser();
        await LogInAsync(writer, WriteToken, "");
        await LogInAsync(reader, ReadToken, "");
        var key = Guid.NewGuid().ToString();
        var body = $"{{\"policy\":\"ten-per-minute\",\"key\":\"{key}\"}}";

        var crossSite = await writer.PostAsync("/admin/v1/reset", new StringContent(body));
        var fromPage = await SendAsync(writer, HttpMethod.Post, "/admin/v1/reset", body);
        var readOnly = await SendAsync(reader, HttpMethod.Post, "/admin/v1/reset", body);

        Assert.Equal(HttpStatusCode.Unauthorized, crossSite.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, fromPage.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readOnly.StatusCode);
        Assert.Contains("read-only", await readOnly.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoggingOutEndsTheSession()
    {
        using var browser = Browser();
        await LogInAsync(browser, WriteToken, "");

        var logout = await SendAsync(browser, HttpMethod.Post, "/admin/logout", null);

        Assert.Equal(HttpStatusCode.NoContent, logout.StatusCode);
        Assert.Equal(HttpStatusCode.Found, (await browser.GetAsync("/admin/page")).StatusCode);
    }

    [Fact]
    public async Task PagesCarryAStrictContentSecurityPolicy()
    {
        using var browser = Browser();
        await LogInAsync(browser, ReadToken, "");

        var page = await browser.GetAsync("/admin/page");

        var policy = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("script-src 'self'", policy, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", policy, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe", policy, StringComparison.Ordinal);
        Assert.Contains("data-access=\"Read\"", await page.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithNoTokenConfiguredNothingIsServed()
    {
        await using var silo = await RunningSilo.StartAsync(HttpSiloFixture.Policies);

        foreach (var path in new[] { "/admin/login", "/admin/page", "/admin/dashboard/", "/admin/assets/page.js", "/admin/v1/top" })
        {
            Assert.Equal(HttpStatusCode.NotFound, (await silo.Http.GetAsync(path)).StatusCode);
        }
    }

    private HttpClient Browser() => new(new HttpClientHandler { AllowAutoRedirect = false, CookieContainer = new CookieContainer() })
    {
        BaseAddress = _silo.HttpAddress,
    };

    private static async Task<HttpResponseMessage> LogInAsync(HttpClient browser, string token, string returnUrl)
    {
        var form = await browser.GetStringAsync("/admin/login");
        var antiforgery = AntiforgeryField().Match(form).Groups[1].Value;
        return await browser.PostAsync("/admin/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = token,
            ["antiforgery"] = antiforgery,
            ["returnUrl"] = returnUrl,
        }));
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient browser, HttpMethod method, string path, string? body)
    {
        var request = new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body) };
        request.Headers.Add("X-GrainLimiter-Request", "page");
        return browser.SendAsync(request);
    }

    [GeneratedRegex("name=\"antiforgery\" value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
