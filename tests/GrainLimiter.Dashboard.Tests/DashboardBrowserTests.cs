using System.Net;
using System.Text.RegularExpressions;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.Playwright;

namespace GrainLimiter.Dashboard.Tests;

/// <summary>Both dashboard pages in a real browser against a real silo: log in, see a denied key, reset it, screenshots.</summary>
/// <remarks>
/// Screenshots are written to <c>screenshots/</c> in the test output (the CI artifact); with
/// <c>GRAINLIMITER_UPDATE_SCREENSHOTS=1</c> also to the repository's <c>docs/</c>, where docs/operations.md shows them.
/// </remarks>
public sealed partial class DashboardBrowserTests(Chromium chromium) : IClassFixture<Chromium>, IAsyncLifetime
{
    private const string WriteToken = "test-browser-write-token-01";
    private const string ReadToken = "test-browser-read-token-012";
    private const string Policies = """
        policies:
          - name: login-attempts
            limits:
              - { algorithm: token_bucket, limit: 3, window: 1h }
          - name: api
            limits:
              - { algorithm: token_bucket, limit: 100, window: 1m }
          - name: search
            limits:
              - { algorithm: token_bucket, limit: 5, window: 1m }
        """;

    private RunningSilo _silo = null!;
    private readonly List<string> _policyViolations = [];

    public async Task InitializeAsync() => _silo = await RunningSilo.StartAsync(Policies,
        new Dictionary<string, string?> { ["GrainLimiter:AdminToken"] = WriteToken, ["GrainLimiter:AdminReadToken"] = ReadToken });

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task AnOperatorLogsInSeesTheDeniedKeyAndResetsIt()
    {
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(Url("/admin/page"));
        Assert.Matches(LoginUrl(), page.Url);
        await page.FillAsync("#token", WriteToken);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(Url("/admin/page"));
        Assert.Equal("read-write", await page.TextContentAsync("#access"));

        await SendTrafficAsync();
        var row = page.Locator("#top tr[data-key='user:42']");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = 15_000 });
        await Assertions.Expect(row.Locator("td.num")).ToHaveTextAsync("7");
        await Assertions.Expect(page.Locator("#policies tbody tr", new() { HasText = "login-attempts" })).ToContainTextAsync("50 %");

        Assert.Equal(HttpStatusCode.TooManyRequests, (await _silo.Http.CheckAsync("login-attempts", "user:42")).StatusCode);
        await row.GetByRole(AriaRole.Button, new() { Name = "Reset" }).ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("Reset login-attempts / user:42");
        Assert.Equal(HttpStatusCode.OK, (await _silo.Http.CheckAsync("login-attempts", "user:42")).StatusCode);

        // Look a key up and raise its limit for a while: its next checks are judged against the override.
        await page.Locator("#top tr[data-key='user:7']").GetByRole(AriaRole.Button, new() { Name = "Look up" }).ClickAsync();
        await Assertions.Expect(page.Locator("#key-title")).ToHaveTextAsync("login-attempts / user:7");
        await Assertions.Expect(page.Locator("#key-limits tbody")).ToContainTextAsync("token_bucket");
        await page.FillAsync("#override-value", "50");
        await page.FillAsync("#override-expires", DateTime.UtcNow.AddHours(2).ToString("yyyy-MM-ddTHH:mm", System.Globalization.CultureInfo.InvariantCulture));
        await page.ClickAsync("#override button[type=submit]");
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("Override applied to login-attempts / user:7");
        await Assertions.Expect(page.Locator("#key-state")).ToContainTextAsync("limit 50");
        Assert.Equal(HttpStatusCode.OK, (await _silo.Http.CheckAsync("login-attempts", "user:7")).StatusCode);
        await Screenshot(page, "dashboard-grainlimiter.png");
        Assert.Empty(_policyViolations);
    }

    [Fact]
    public async Task OrleansDashboardIsServedBehindTheLoginAndLinksToOurPage()
    {
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();

        await page.GotoAsync(Url("/admin/dashboard/"));
        Assert.Matches(LoginUrl(), page.Url);
        await page.FillAsync("#token", ReadToken);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(Url("/admin/dashboard/"));

        await SendTrafficAsync();
        // The grain list fills once Orleans' dashboard has sampled the limit grains' calls.
        await Assertions.Expect(page.Locator("#menu")).ToContainTextAsync("Grains", new() { Timeout = 20_000 });
        await Assertions.Expect(page.Locator("#content")).ToContainTextAsync("LimitGrain", new() { Timeout = 30_000 });
        await Screenshot(page, "dashboard-orleans.png");

        await page.ClickAsync("#grainlimiter-link");
        await page.WaitForURLAsync(Url("/admin/page"));
        await page.ClickAsync("#orleans-link");
        await page.WaitForURLAsync(Url("/admin/dashboard/"));
        Assert.Empty(_policyViolations);
    }

    [Fact]
    public async Task AReadOnlySessionIsToldResetNeedsTheWriteToken()
    {
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url("/admin/login"));
        await page.FillAsync("#token", ReadToken);
        await page.ClickAsync("button[type=submit]");
        await page.WaitForURLAsync(Url("/admin/page"));

        for (var i = 0; i < 5; i++)
        {
            await _silo.Http.CheckAsync("login-attempts", "user:read-only");
        }

        var row = page.Locator("#top tr[data-key='user:read-only']");
        await row.GetByRole(AriaRole.Button, new() { Name = "Reset" }).ClickAsync(new() { Timeout = 15_000 });

        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("read-only");
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _silo.Http.CheckAsync("login-attempts", "user:read-only")).StatusCode);
    }

    [Fact]
    public async Task AWrongTokenStaysOnTheLoginForm()
    {
        await using var context = await NewContextAsync();
        var page = await context.NewPageAsync();
        await page.GotoAsync(Url("/admin/page"));

        await page.FillAsync("#token", "certainly-not-the-token-0");
        await page.ClickAsync("button[type=submit]");

        await Assertions.Expect(page.Locator(".message")).ToContainTextAsync("not an admin token");
        var top = await page.APIRequest.GetAsync(Url("/admin/v1/top"));
        Assert.Equal(401, top.Status);
    }

    private async Task<IBrowserContext> NewContextAsync()
    {
        var context = await chromium.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 860 } });
        context.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy", StringComparison.OrdinalIgnoreCase))
            {
                lock (_policyViolations) _policyViolations.Add(message.Text);
            }
        };
        return context;
    }

    /// <summary>Denied keys of one policy (user:42 most), others allowed, for the top list and the block rates.</summary>
    private async Task SendTrafficAsync()
    {
        foreach (var (policy, key, checks) in new[]
        {
            ("login-attempts", "user:42", 10), ("login-attempts", "user:7", 5), ("login-attempts", "10.0.0.8", 4),
            ("login-attempts", "user:1", 1), ("search", "tenant:acme", 8), ("api", "key:alpha", 30), ("api", "key:beta", 12),
        })
        {
            for (var i = 0; i < checks; i++)
            {
                await _silo.Http.CheckAsync(policy, key);
            }
        }
    }

    private string Url(string path) => new Uri(_silo.HttpAddress, path).ToString();

    private static async Task Screenshot(IPage page, string name)
    {
        var artifacts = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(artifacts);
        var bytes = await page.ScreenshotAsync(new() { Path = Path.Combine(artifacts, name), FullPage = true });
        Assert.True(bytes.Length > 10_000, $"{name} is {bytes.Length} bytes: the page did not render.");
        if (Environment.GetEnvironmentVariable("GRAINLIMITER_UPDATE_SCREENSHOTS") == "1")
        {
            await File.WriteAllBytesAsync(Path.Combine(RepositoryRoot(), "docs", name), bytes);
        }
    }

    private static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GrainLimiter.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? throw new InvalidOperationException("GrainLimiter.sln not found above the test output.");
    }

    [GeneratedRegex("/admin/login\\?returnUrl=")]
    private static partial Regex LoginUrl();
}
