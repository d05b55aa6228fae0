using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace GrainLimiter.Cli.Tests.Fixtures;

/// <summary>
/// A real HTTP server (Kestrel on a free loopback port) serving the admin API contract's JSON for the endpoints main does
/// not have yet (keys view, overrides, pause, policy reload, top), with its token rules, recording every request.
/// </summary>
public sealed class FakeAdminServer : IAsyncLifetime
{
    public const string ReadWriteToken = "fake-read-write-token-01";
    public const string ReadOnlyToken = "fake-read-only-token-012";

    public const string KeyView =
        """{"policy":"layered","key":"user:42","pausedUntil":"2026-12-01T12:10:00Z","override":{"limits":["""
        + """{"name":"per-second","limit":50},{"name":"per-hour","multiplier":2.0}],"expiresAt":"2026-12-02T00:00:00Z"},"limits":["""
        + """{"name":"per-second","algorithm":"token_bucket","limit":10,"effectiveLimit":"""
        + """50,"used":3,"remaining":47,"resetAfterMs":60,"windowMs":1000},"""
        + """{"name":"per-hour","algorithm":"fixed_window","limit":100,"effectiveLimit":"""
        + """200,"used":3,"remaining":197,"resetAfterMs":2417000,"windowMs":3600000}]}""";

    /// <summary>A key of a policy with an adaptive limit, one that has learned and one with no reports yet.</summary>
    public const string AdaptiveKeyView = """
        {"policy":"adaptive","key":"tenant:7","pausedUntil":null,"override":null,"limits":[
          {"name":"per-second","algorithm":"token_bucket","limit":100,"effectiveLimit":57,"used":3,"remaining":54,"resetAfterMs":40,"windowMs":1000,
           "adaptive":{"rule":"aimd","by":"both","min":20,"max":400,"successRate":0.9743,"latencyMs":183.5,"samples":42}},
          {"name":"per-minute","algorithm":"fixed_window","limit":600,"effectiveLimit":600,"used":3,"remaining":597,"resetAfterMs":20000,"windowMs":60000,
           "adaptive":{"rule":"multiplier","by":"success_rate","min":60,"max":600,"successRate":null,"latencyMs":null,"samples":0}},
          {"name":"per-day","algorithm":"quota","limit":9000,"effectiveLimit":9000,"used":3,"remaining":8997,"resetAfterMs":0,"windowMs":0,"adaptive":null}]}
        """;

    public const string Overrides =
        """{"overrides":[{"policy":"layered","key":"user:42","limits":["""
        + """{"name":"per-second","limit":50},{"name":"per-hour","multiplier":2.0}],"expiresAt":"2026-12-02T00:00:00Z"},"""
        + """{"policy":"two-per-hour","key":"acme","limits":[{"limit":500}],"expiresAt":null}]}""";

    public const string Top =
        """{"policies":[{"policy":"demo","allowed":120,"denied":30,"blockRate":0.2},"""
        + """{"policy":"login","allowed":40,"denied":60,"blockRate":0.6},"""
        + """{"policy":"api-paid","allowed":900,"denied":0,"blockRate":0.0}],"keys":[{"policy":"login","key":"ip:203.0.113.7","denied":58},"""
        + """{"policy":"demo","key":"user:42","denied":30},{"policy":"login","key":"ip:198.51.100.4","denied":2}],"windowSeconds":60}""";

    public const string ReloadRefused =
        """{"type":"about:blank","title":"Policy file is invalid","status":400,"errors":["policies.yaml (line 4, column 5): """
        + """policies[0]: 'limts' is not a field of a policy (fields: name, shadowMode, failureMode, scope, limits); """
        + """did you mean 'limits'?","policies.yaml (line 9, column 22): policies[1] 'b': limits[0].window: """
        + """must be a duration such as 250ms, 1s, 1m, 1h, 1d or 1w (at most 3660d); got '5 minutes'."]}""";

    private WebApplication _app = null!;
    private string _contentRoot = "";

    public string Url { get; private set; } = "";

    /// <summary>Requests as "METHOD /path?query body".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Set to make <c>POST /admin/v1/policies/reload</c> refuse the file.</summary>
    public bool RefuseReload { get; set; }

    public async Task InitializeAsync()
    {
        // An empty content root: the silo's appsettings.json beside the tests would add its Kestrel endpoints (8080, 8081).
        _contentRoot = Directory.CreateTempSubdirectory("grainlimiter-fake-admin-").FullName;
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = _contentRoot });
        builder.WebHost.UseUrls("http://127.0.0.1:0"); // the kernel picks the port; read back below
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Use(async (context, next) =>
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            Requests.Enqueue($"{context.Request.Method} {context.Request.Path}{context.Request.QueryString} {body}".TrimEnd());
            var header = context.Request.Headers.Authorization.ToString();
            var write = !HttpMethods.IsGet(context.Request.Method);
            if (header != $"Bearer {ReadWriteToken}" && header != $"Bearer {ReadOnlyToken}")
            {
                await Problem(context, HttpStatusCode.Unauthorized, "Unauthorized", "Authorization",
                    "Authorization: a valid 'Bearer <token>' header is required.");
                return;
            }

            if (write && header == $"Bearer {ReadOnlyToken}")
            {
                await Problem(context, HttpStatusCode.Forbidden, "Forbidden", "Authorization", "the read-only token may not change anything.");
                return;
            }

            await next(context);
        });
        _app.MapGet("/admin/v1/keys/{policy}/{**key}", (string policy) => policy switch
        {
            "nope" => Json(ProblemJson(404, "Not Found", "policy", "unknown policy 'nope'."), 404, "application/problem+json"),
            "adaptive" => Json(AdaptiveKeyView),
            _ => Json(KeyView),
        });
        _app.MapPut("/admin/v1/overrides/{policy}/{**key}", () => Json(KeyView));
        _app.MapDelete("/admin/v1/overrides/{policy}/{**key}", (string policy, string key) => key == "none"
            ? Json(ProblemJson(404, "Not Found", "key", "layered / none has no override."), 404, "application/problem+json")
            : Results.NoContent());
        _app.MapGet("/admin/v1/overrides", () => Json(Overrides));
        _app.MapPost("/admin/v1/pause", () => Json(KeyView));
        _app.MapPost("/admin/v1/policies/reload", () => RefuseReload
            ? Json(ReloadRefused, 400, "application/problem+json")
            : Json("""{"version":3,"policies":["demo","login","api-paid"]}"""));
        _app.MapGet("/admin/v1/top", () => Json(Top));
        await _app.StartAsync();
        Url = _app.Urls.Single();
    }

    public async Task DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        Directory.Delete(_contentRoot, recursive: true);
    }

    /// <summary>The last request whose text starts with <paramref name="prefix"/>.</summary>
    public string Last(string prefix) => Requests.Reverse().First(r => r.StartsWith(prefix, StringComparison.Ordinal));

    private static IResult Json(string body, int status = 200, string type = "application/json") => Results.Text(body.Trim(), type, statusCode: status);

    private static string ProblemJson(int status, string title, string field, string detail) =>
        $$"""{"type":"about:blank","title":"{{title}}","status":{{status}},"field":"{{field}}","detail":"{{detail}}"}""";

    private static Task Problem(HttpContext context, HttpStatusCode status, string title, string field, string detail)
    {
        context.Response.StatusCode = (int)status;
        context.Response.ContentType = "application/problem+json";
        return context.Response.WriteAsync(ProblemJson((int)status, title, field, detail));
    }
}
