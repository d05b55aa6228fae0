using System.Text;
using GrainLimiter.Silo;
using Microsoft.Playwright;

namespace GrainLimiter.Dashboard.Tests;

/// <summary>
/// The dashboard's page showing adaptive limits, in a real browser: the page and its script are the silo's embedded files, the admin
/// API's answers are given JSON (a key's view as the admin API writes it), so what is tested is how the page renders them.
/// </summary>
public sealed class DashboardAdaptiveTests(Chromium chromium) : IClassFixture<Chromium>
{
    private const string Origin = "http://grainlimiter.test";

    private const string Policies = """
        {"version":1,"source":"policies.yaml","policies":[{"name":"adaptive","scope":"region","shadowMode":false,"failureMode":"open","limits":[
          {"name":"per-second","algorithm":"token_bucket","limit":100,"windowMs":1000,"adaptive":{"min":20,"max":400,"by":"both","rule":"aimd",
           "targetMs":200,"windowMs":60000,"intervalMs":1000,"minSamples":10,"increase":19,"decrease":0.7}},
          {"name":"per-hour","algorithm":"fixed_window","limit":5000,"windowMs":3600000,"adaptive":null}]}]}
        """;

    private const string Top = """{"policies":[],"keys":[],"windowSeconds":60,"silos":1,"unanswered":0}""";

    private const string KeyView = """
        {"policy":"adaptive","key":"tenant:7","pausedUntil":null,"override":null,"limits":[
          {"name":"per-second","algorithm":"token_bucket","limit":100,"effectiveLimit":57,"used":3,"remaining":54,"resetAfterMs":40,"windowMs":1000,
           "adaptive":{"rule":"aimd","by":"both","min":20,"max":400,"successRate":0.9743,"latencyMs":183.5,"samples":42}},
          {"name":"per-minute","algorithm":"fixed_window","limit":600,"effectiveLimit":600,"used":3,"remaining":597,"resetAfterMs":20000,"windowMs":60000,
           "adaptive":{"rule":"multiplier","by":"success_rate","min":60,"max":600,"successRate":null,"latencyMs":null,"samples":0}},
          {"name":"per-hour","algorithm":"fixed_window","limit":5000,"effectiveLimit":5000,"used":3,"remaining":4997,"resetAfterMs":0,"windowMs":3600000,
           "adaptive":null}]}
        """;

    [Fact]
    public async Task AKeysAdaptiveLimitShowsItsLimitInForceSuccessRateAndLatency()
    {
        await using var context = await chromium.Browser.NewContextAsync(new() { ViewportSize = new() { Width = 1280, Height = 860 } });
        await context.RouteAsync(Origin + "/**", Answer);
        var page = await context.NewPageAsync();

        await page.GotoAsync(Origin + "/admin/page");
        await Assertions.Expect(page.Locator("#policies tbody")).ToContainTextAsync("100 / 1 s (token_bucket, adapts 20–400), 5000 / 1 h (fixed_window)");
        await page.FillAsync("#lookup-policy", "adaptive");
        await page.FillAsync("#lookup-key", "tenant:7");
        await page.ClickAsync("#lookup button[type=submit]");

        var rows = page.Locator("#key-limits tbody tr");
        await Assertions.Expect(rows).ToHaveCountAsync(3);
        await Assertions.Expect(rows.Nth(0).Locator("td").Nth(3)).ToHaveTextAsync("57");
        await Assertions.Expect(rows.Nth(0).Locator("td").Last).ToHaveTextAsync("20–400 (aimd): 97.4 % ok, 183.5 ms over 42 samples");
        await Assertions.Expect(rows.Nth(1).Locator("td").Last).ToHaveTextAsync("60–600 (multiplier): no reports yet");
        await Assertions.Expect(rows.Nth(2).Locator("td").Last).ToHaveTextAsync("");
        await Assertions.Expect(page.Locator("#key-limits thead th").Last).ToHaveTextAsync("Adapts");
    }

    private static async Task Answer(IRoute route)
    {
        var path = Uri.UnescapeDataString(new Uri(route.Request.Url).AbsolutePath);
        var (body, type) = path switch
        {
            "/admin/page" => (Asset("page.html").Replace("{{access}}", "Read", StringComparison.Ordinal), "text/html"),
            "/admin/assets/page.js" => (Asset("page.js"), "text/javascript"),
            "/admin/assets/admin.css" => (Asset("admin.css"), "text/css"),
            "/admin/v1/policies" => (Policies, "application/json"),
            "/admin/v1/top" => (Top, "application/json"),
            "/admin/v1/keys/adaptive/tenant:7" => (KeyView, "application/json"),
            _ => (null, null),
        };
        await route.FulfillAsync(body is null ? new() { Status = 404 } : new() { Status = 200, ContentType = type, Body = body });
    }

    /// <summary>A dashboard file as the silo embeds and serves it.</summary>
    private static string Asset(string name)
    {
        using var stream = typeof(SiloApp).Assembly.GetManifestResourceStream("GrainLimiter.Dashboard." + name)
            ?? throw new InvalidOperationException($"The silo embeds no dashboard file {name}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
