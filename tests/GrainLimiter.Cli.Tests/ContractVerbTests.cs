using System.Text.Json;
using GrainLimiter.Cli.Tests.Fixtures;

namespace GrainLimiter.Cli.Tests;

/// <summary>
/// The verbs whose admin endpoints are being built on another branch (key view, overrides, pause, policy reload, top), against
/// a real HTTP server that serves the contract's JSON: the requests they send and what they print.
/// </summary>
public sealed class ContractVerbTests(FakeAdminServer server) : IClassFixture<FakeAdminServer>
{
    private Task<CliRun> Run(params string[] args) => RunAs(FakeAdminServer.ReadWriteToken, args);

    private Task<CliRun> RunAs(string token, params string[] args) =>
        CliRun.RunWithAsync(new Dictionary<string, string> { ["GRAINLIMITER_URL"] = server.Url, ["GRAINLIMITER_TOKEN"] = token }, args);

    [Fact]
    public async Task GetWithATokenShowsTheKeyViewPauseAndOverride()
    {
        var run = await RunAs(FakeAdminServer.ReadOnlyToken, "get", "layered", "user:42");
        var json = await RunAs(FakeAdminServer.ReadOnlyToken, "get", "layered", "user:42", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("GET /admin/v1/keys/layered/user:42", server.Last("GET /admin/v1/keys/"));
        Assert.Contains("paused until 2026-12-01T12:10:00Z", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("override: per-second=50, per-hour×2 until 2026-12-02T00:00:00Z", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("40 min 17 s", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(197, json.Json.GetProperty("limits")[1].GetProperty("remaining").GetInt64());
    }

    [Fact]
    public async Task GetShowsAnAdaptiveLimitsLimitInForceAndWhatItLearned()
    {
        var run = await RunAs(FakeAdminServer.ReadOnlyToken, "get", "adaptive", "tenant:7");
        var json = await RunAs(FakeAdminServer.ReadOnlyToken, "get", "adaptive", "tenant:7", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("per-second adapts by success rate and latency (aimd, 20..400): in force 57; success 97.4 %, latency 183.5 ms over 42 samples",
            run.Stdout, StringComparison.Ordinal);
        Assert.Contains("per-minute adapts by success rate (multiplier, 60..600): in force 600; no reports yet", run.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("per-day adapts", run.Stdout, StringComparison.Ordinal);
        Assert.Equal(0.9743, json.Json.GetProperty("limits")[0].GetProperty("adaptive").GetProperty("successRate").GetDouble());
    }

    [Fact]
    public async Task AnUnknownPolicyInTheKeyViewExitsFourNamingIt()
    {
        var run = await Run("get", "nope", "k", "--json");

        Assert.True(run.ExitCode == 4, run.ToString());
        Assert.Contains("policy: unknown policy 'nope'.", run.Stderr, StringComparison.Ordinal);
        Assert.Equal("policy", run.Json.GetProperty("field").GetString());
    }

    [Fact]
    public async Task OverrideSetSendsEveryLimitAndMultiplierWithTheExpiry()
    {
        var run = await Run("override", "set", "layered", "user:42", "--limit", "per-second=50", "--multiplier", "per-hour=2",
            "--expires-at", "2026-12-02T00:00:00Z");
        var bare = await Run("override", "set", "two-per-hour", "acme", "--limit", "500", "--expires-in", "1h", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("""PUT /admin/v1/overrides/layered/user:42 {"limits":[{"name":"per-second","limit":50},"""
            + """{"name":"per-hour","multiplier":2}],"expiresAt":"2026-12-02T00:00:00Z"}""",
            server.Last("PUT /admin/v1/overrides/layered/"));
        Assert.Contains("effective", run.Stdout, StringComparison.Ordinal);
        Assert.True(bare.ExitCode == 0, bare.ToString());
        var body = JsonDocument.Parse(
            server.Last("PUT /admin/v1/overrides/two-per-hour/acme ")["PUT /admin/v1/overrides/two-per-hour/acme ".Length..]).RootElement;
        Assert.Equal("""[{"limit":500}]""", body.GetProperty("limits").GetRawText());
        var expires = body.GetProperty("expiresAt").GetDateTimeOffset();
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(59), TimeSpan.FromMinutes(61));
        Assert.Equal("layered", bare.Json.GetProperty("policy").GetString());
    }

    [Theory]
    [InlineData(new[] { "override", "set", "p", "k" }, "give at least one --limit NAME=VALUE or --multiplier NAME=X")]
    [InlineData(new[] { "override", "set", "p", "k", "--limit", "per-hour=lots" }, "--limit: 'lots' in 'per-hour=lots' must be a whole number of at least 0")]
    [InlineData(new[] { "override", "set", "p", "k", "--multiplier", "per-hour=0" }, "--multiplier: '0' in 'per-hour=0' must be a number greater than 0")]
    [InlineData(new[] { "override", "set", "p", "k", "--limit", "=5" }, "--limit: '=5' has an empty limit name")]
    [InlineData(new[] { "override", "set", "p", "k", "--limit", "5", "--expires-in", "1h", "--expires-at", "2026-12-02T00:00:00Z" },
        "give --expires-in or --expires-at, not both")]
    [InlineData(new[] { "override", "set", "p", "k", "--limit", "5", "--expires-at", "tomorrow" }, "--expires-at: 'tomorrow' is not a time")]
    [InlineData(new[] { "pause", "p", "k", "--for", "2d" }, "--for: '2d' is longer than a pause may be (at most 1d)")]
    [InlineData(new[] { "pause", "p", "k", "--for", "ten minutes" }, "--for: 'ten minutes' is not a duration")]
    [InlineData(new[] { "pause", "p", "k" }, "--for")]
    [InlineData(new[] { "top", "--count", "0" }, "--count: must be from 1 to 1000, not 0")]
    [InlineData(new[] { "--timeout", "soon", "top" }, "--timeout: 'soon' is not a duration")]
    [InlineData(new[] { "frobnicate" }, "frobnicate")]
    public async Task BadInputExitsTwoNamingWhatToFixAndSendsNothing(string[] args, string expected)
    {
        var before = server.Requests.Count;

        var run = await Run(args);

        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains(expected, run.Stderr, StringComparison.Ordinal);
        Assert.Equal(before, server.Requests.Count);
    }

    [Fact]
    public async Task OverrideListRendersEveryOverrideAndFiltersByPolicy()
    {
        var run = await RunAs(FakeAdminServer.ReadOnlyToken, "override", "list");
        var filtered = await RunAs(FakeAdminServer.ReadOnlyToken, "override", "list", "--policy", "two-per-hour", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("per-second=50, per-hour×2", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("(the limit)=500", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("never", run.Stdout, StringComparison.Ordinal);
        Assert.Equal("GET /admin/v1/overrides?policy=two-per-hour", server.Last("GET /admin/v1/overrides?"));
        Assert.Equal(2, filtered.Json.GetProperty("overrides").GetArrayLength());
    }

    [Fact]
    public async Task OverrideRmExitsZeroWhenRemovedAndFourWhenThereIsNone()
    {
        var removed = await Run("override", "rm", "layered", "user:42", "--json");
        var none = await Run("override", "rm", "layered", "none");

        Assert.True(removed.ExitCode == 0, removed.ToString());
        Assert.True(removed.Json.GetProperty("removed").GetBoolean());
        Assert.Equal("DELETE /admin/v1/overrides/layered/user:42", server.Last("DELETE /admin/v1/overrides/layered/user"));
        Assert.True(none.ExitCode == 4, none.ToString());
        Assert.Contains("has no override", none.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadOnlyTokenOnAWriteExitsThree()
    {
        var run = await RunAs(FakeAdminServer.ReadOnlyToken, "override", "rm", "layered", "user:42");

        Assert.True(run.ExitCode == 3, run.ToString());
        Assert.Contains("403", run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(FakeAdminServer.ReadOnlyToken, run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PauseSendsTheDurationAsWritten()
    {
        var run = await Run("pause", "layered", "user:42", "--for", "10m");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("""POST /admin/v1/pause {"policy":"layered","key":"user:42","for":"10m"}""", server.Last("POST /admin/v1/pause"));
        Assert.Contains("paused until", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PoliciesReloadPrintsTheVersionOrEveryProblem()
    {
        server.RefuseReload = false;
        var ok = await Run("policies", "reload");
        server.RefuseReload = true;
        var refused = await Run("policies", "reload", "--json");
        server.RefuseReload = false;

        Assert.True(ok.ExitCode == 0, ok.ToString());
        Assert.Contains("reloaded: version 3, policies: demo, login, api-paid", ok.Stdout, StringComparison.Ordinal);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("Policy file is invalid; the policies in force are unchanged:", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("  policies.yaml (line 4, column 5): policies[0]: 'limts' is not a field of a policy", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("(line 9, column 22)", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal(2, refused.Json.GetProperty("errors").GetArrayLength());
    }

    [Fact]
    public async Task TopOnceShowsBlockRatesAndTheMostDeniedKeys()
    {
        var run = await RunAs(FakeAdminServer.ReadOnlyToken, "top", "--once", "--count", "3");
        var json = await RunAs(FakeAdminServer.ReadOnlyToken, "top", "--once", "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Equal("GET /admin/v1/top?count=3", server.Last("GET /admin/v1/top?count=3"));
        Assert.Contains("block rate per policy (last 60 s)", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("60.0 %", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("ip:203.0.113.7", run.Stdout, StringComparison.Ordinal);
        Assert.True(run.Stdout.IndexOf("ip:203.0.113.7", StringComparison.Ordinal) < run.Stdout.IndexOf("user:42", StringComparison.Ordinal));
        Assert.Equal(60, json.Json.GetProperty("windowSeconds").GetInt32());
    }

    [Fact]
    public async Task TopWithoutOnceRefreshesUntilCancelled()
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var cancel = new CancellationTokenSource();
        var before = server.Requests.Count(r => r.StartsWith("GET /admin/v1/top?count=7", StringComparison.Ordinal));
        var run = CliApp.RunAsync(["--url", server.Url, "--token", FakeAdminServer.ReadOnlyToken, "top", "--count", "7", "--interval", "50ms", "--json"],
            stdout, stderr, static _ => null, cancel.Token);

        while (server.Requests.Count(r => r.StartsWith("GET /admin/v1/top?count=7", StringComparison.Ordinal)) < before + 3)
        {
            await Task.Yield();
        }

        await cancel.CancelAsync();

        Assert.Equal(0, await run);
        // The third request goes out only after the second answer was printed: at least two JSON lines, each a whole document.
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length >= 2, stdout.ToString());
        Assert.All(lines[..2], line => Assert.Equal(60, JsonDocument.Parse(line).RootElement.GetProperty("windowSeconds").GetInt32()));
    }
}
