using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using GrainLimiter.Grains;
using GrainLimiter.Grains.Persistence;
using GrainLimiter.Silo.Policies.Reload;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace GrainLimiter.Silo.Tests.Fronts.Admin;

/// <summary>The admin API of issue 13 over real HTTP on a real silo: key view, overrides, pause, policies.</summary>
public sealed class AdminApiTests(AdminApiTests.Fixture fixture) : IClassFixture<AdminApiTests.Fixture>
{
    public const string WriteToken = "test-admin-write-token-0123";
    public const string ReadToken = "test-admin-read-token-01234";
    private readonly RunningSilo _silo = fixture.Silo;

    /// <summary>Appended to the HTTP tests' policies: a limit that adapts.</summary>
    private const string AdaptivePolicy = """

          - name: adaptive
            limits:
              - { algorithm: token_bucket, limit: 100, window: 1s, adaptive: { min: 20, max: 400, rule: aimd, by: latency, target: 150ms } }
        """;

    /// <summary>One silo with both admin tokens for the whole class; each test uses keys of its own.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public RunningSilo Silo { get; private set; } = null!;

        public async Task InitializeAsync() => Silo = await RunningSilo.StartAsync(HttpSiloFixture.Policies + AdaptivePolicy, new Dictionary<string, string?>
        {
            ["GrainLimiter:AdminToken"] = WriteToken,
            ["GrainLimiter:AdminReadToken"] = ReadToken,
        });

        public async Task DisposeAsync() => await Silo.DisposeAsync();
    }

    public static TheoryData<string, string, string?, bool> Endpoints() => new()
    {
        { "GET", "/admin/v1/keys/ten-per-minute/auth-key", null, false },
        { "GET", "/admin/v1/overrides", null, false },
        { "GET", "/admin/v1/policies", null, false },
        { "PUT", "/admin/v1/overrides/ten-per-minute/auth-key", """{"limits":[{"limit":50}]}""", true },
        { "DELETE", "/admin/v1/overrides/ten-per-minute/auth-key", null, true },
        { "POST", "/admin/v1/pause", """{"policy":"ten-per-minute","key":"auth-pause","for":"1s"}""", true },
        { "POST", "/admin/v1/policies/reload", null, true },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task EveryEndpointNeedsAToken(string method, string path, string? body, bool writes)
    {
        _ = writes;
        var response = await SendAsync(method, path, token: null, body);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task TheReadTokenMayOnlyLook(string method, string path, string? body, bool writes)
    {
        var response = await SendAsync(method, path, ReadToken, body);

        Assert.Equal(writes ? HttpStatusCode.Forbidden : HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task TheWriteTokenMayDoEverything(string method, string path, string? body, bool writes)
    {
        _ = writes;
        if (method == "DELETE")
        {
            await SendAsync("PUT", path, WriteToken, """{"limits":[{"limit":50}]}""");
        }

        var response = await SendAsync(method, path, WriteToken, body);

        Assert.True(response.IsSuccessStatusCode, $"{method} {path}: {response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    [Fact]
    public async Task KeyViewShowsEveryLimitsUsage()
    {
        var key = Guid.NewGuid().ToString();
        await _silo.Http.CheckAsync("two-limits", key, cost: 2);

        var view = await (await SendAsync("GET", $"/admin/v1/keys/two-limits/{key}", ReadToken)).JsonAsync();

        Assert.Equal("two-limits", view.GetProperty("policy").GetString());
        Assert.Equal(key, view.GetProperty("key").GetString());
        Assert.Equal(JsonValueKind.Null, view.GetProperty("pausedUntil").ValueKind);
        Assert.Equal(JsonValueKind.Null, view.GetProperty("override").ValueKind);
        var limits = view.GetProperty("limits").EnumerateArray().ToArray();
        Assert.Equal(["per-minute", "per-hour"], limits.Select(static l => l.GetProperty("name").GetString()));
        Assert.All(limits, static l => Assert.Equal("token_bucket", l.GetProperty("algorithm").GetString()));
        Assert.Equal([3L, 5L], limits.Select(static l => l.GetProperty("limit").GetInt64()));
        Assert.Equal([3L, 5L], limits.Select(static l => l.GetProperty("effectiveLimit").GetInt64()));
        Assert.Equal([2L, 2L], limits.Select(static l => l.GetProperty("used").GetInt64()));
        Assert.Equal([1L, 3L], limits.Select(static l => l.GetProperty("remaining").GetInt64()));
        Assert.Equal([60_000L, 3_600_000L], limits.Select(static l => l.GetProperty("windowMs").GetInt64()));
        Assert.InRange(limits[0].GetProperty("resetAfterMs").GetInt64(), 1, 60_000);
    }

    [Fact]
    public async Task OverrideRaisesAndLowersTheLimitUntilRemoved()
    {
        var key = Guid.NewGuid().ToString();
        await _silo.Http.CheckAsync("ten-per-minute", key, cost: 10);

        var raised = await SendAsync("PUT", $"/admin/v1/overrides/ten-per-minute/{key}", WriteToken, """{"limits":[{"name":"ten-per-minute","limit":12}]}""");
        Assert.Equal(HttpStatusCode.OK, raised.StatusCode);
        var view = await raised.JsonAsync();
        Assert.Equal(12, view.GetProperty("limits")[0].GetProperty("effectiveLimit").GetInt64());
        Assert.Equal(12, view.GetProperty("override").GetProperty("limits")[0].GetProperty("limit").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await _silo.Http.CheckAsync("ten-per-minute", key, cost: 2)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _silo.Http.CheckAsync("ten-per-minute", key)).StatusCode);

        var other = Guid.NewGuid().ToString();
        await SendAsync("PUT", $"/admin/v1/overrides/ten-per-minute/{other}", WriteToken, """{"limits":[{"multiplier":0.2}]}""");
        Assert.Equal(HttpStatusCode.OK, (await _silo.Http.CheckAsync("ten-per-minute", other, cost: 2)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _silo.Http.CheckAsync("ten-per-minute", other)).StatusCode);

        var listed = await (await SendAsync("GET", "/admin/v1/overrides?policy=ten-per-minute", ReadToken)).JsonAsync();
        var keys = listed.GetProperty("overrides").EnumerateArray().Select(static o => o.GetProperty("key").GetString()).ToArray();
        Assert.Contains(key, keys);
        Assert.Contains(other, keys);
        Assert.Equal(0.2, listed.GetProperty("overrides").EnumerateArray().Single(o => o.GetProperty("key").GetString() == other)
            .GetProperty("limits")[0].GetProperty("multiplier").GetDouble());

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync("DELETE", $"/admin/v1/overrides/ten-per-minute/{other}", WriteToken)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync("DELETE", $"/admin/v1/overrides/ten-per-minute/{other}", WriteToken)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _silo.Http.CheckAsync("ten-per-minute", other, cost: 8)).StatusCode);
        listed = await (await SendAsync("GET", "/admin/v1/overrides", ReadToken)).JsonAsync();
        Assert.DoesNotContain(other, listed.GetProperty("overrides").EnumerateArray().Select(static o => o.GetProperty("key").GetString()));
    }

    [Fact]
    public async Task ExpiredOverrideStopsApplying()
    {
        var key = Guid.NewGuid().ToString();
        // Real time on a real silo: long enough that the PUT is in the future when it arrives, however busy the machine. What
        // the override does while in force is read from the PUT's own answer, decided before it could expire.
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(5).ToString("O", CultureInfo.InvariantCulture);
        var put = await SendAsync("PUT", $"/admin/v1/overrides/ten-per-minute/{key}", WriteToken, $$"""{"limits":[{"limit":1}],"expiresAt":"{{expiresAt}}"}""");
        Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        Assert.Equal(1, (await put.JsonAsync()).GetProperty("limits")[0].GetProperty("effectiveLimit").GetInt64());

        await Eventually.TrueAsync(async () =>
        {
            var view = await (await SendAsync("GET", $"/admin/v1/keys/ten-per-minute/{key}", ReadToken)).JsonAsync();
            return view.GetProperty("override").ValueKind == JsonValueKind.Null && view.GetProperty("limits")[0].GetProperty("effectiveLimit").GetInt64() == 10;
        }, TimeSpan.FromSeconds(30), "the override has expired");

        Assert.Equal(HttpStatusCode.OK, (await _silo.Http.CheckAsync("ten-per-minute", key, cost: 9)).StatusCode);
        var listed = await (await SendAsync("GET", "/admin/v1/overrides", ReadToken)).JsonAsync();
        Assert.DoesNotContain(key, listed.GetProperty("overrides").EnumerateArray().Select(static o => o.GetProperty("key").GetString()));
    }

    [Fact]
    public async Task KeyWhoseStoredStateExpiredTakesUpItsListedOverride()
    {
        var key = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.OK,
            (await SendAsync("PUT", $"/admin/v1/overrides/ten-per-minute/{key}", WriteToken, """{"limits":[{"limit":2}]}""")).StatusCode);
        var replica = _silo.Get<OverrideReplica>();
        await Eventually.TrueAsync(() => Task.FromResult(replica.Find("ten-per-minute", key, DateTimeOffset.UtcNow.UtcTicks) is not null),
            TimeSpan.FromSeconds(30), "the silo's copy of the list has the override");

        // The grain leaves (writing its state), then its stored state disappears, as Redis expires an idle key's entry.
        var grains = _silo.Get<IGrainFactory>();
        await grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var storage = _silo.Services.GetRequiredKeyedService<IGrainStorage>(LimitGrainOptions.StorageName);
        var id = grains.GetGrain<ILimitGrain>(LimitGrainKey.Encode("ten-per-minute", key)).GetGrainId();
        var stored = new GrainState<LimitGrainState>(new LimitGrainState());
        await storage.ReadStateAsync(LimitGrainOptions.StateName, id, stored);
        Assert.True(stored.RecordExists);
        await storage.ClearStateAsync(LimitGrainOptions.StateName, id, stored);

        var view = await (await SendAsync("GET", $"/admin/v1/keys/ten-per-minute/{key}", ReadToken)).JsonAsync();

        Assert.Equal(2, view.GetProperty("limits")[0].GetProperty("effectiveLimit").GetInt64());
        Assert.Equal(HttpStatusCode.OK, (await _silo.Http.CheckAsync("ten-per-minute", key, cost: 2)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _silo.Http.CheckAsync("ten-per-minute", key)).StatusCode);
    }

    [Theory]
    [InlineData("nope", """{"limits":[{"limit":5}]}""", 404, "policy")]
    [InlineData("two-limits", """{"limits":[{"limit":5}]}""", 400, "limits[0].name")]
    [InlineData("two-limits", """{"limits":[{"name":"per-day","limit":5}]}""", 400, "limits[0].name")]
    [InlineData("two-limits", """{"limits":[{"name":"per-hour","limit":5},{"name":"per-hour","limit":6}]}""", 400, "limits[1].name")]
    [InlineData("ten-per-minute", """{"limits":[{"limit":0}]}""", 400, "limits[0].limit")]
    [InlineData("ten-per-minute", """{"limits":[{"limit":1000000000001}]}""", 400, "limits[0].limit")]
    [InlineData("ten-per-minute", """{"limits":[{"multiplier":0}]}""", 400, "limits[0].multiplier")]
    [InlineData("ten-per-minute", """{"limits":[{"multiplier":1e9}]}""", 400, "limits[0].multiplier")]
    [InlineData("ten-per-minute", """{"limits":[{"limit":5,"multiplier":2}]}""", 400, "limits[0]")]
    [InlineData("ten-per-minute", """{"limits":[]}""", 400, "limits")]
    [InlineData("ten-per-minute", """{"limits":[{"limit":"many"}]}""", 400, "limits[0].limit")]
    [InlineData("ten-per-minute", """{"limits":[{"limit":5}],"expiresAt":"2001-01-01T00:00:00Z"}""", 400, "expiresAt")]
    [InlineData("ten-per-minute", """{"limits":[{"limit":5}],"expiresAt":"next tuesday"}""", 400, "expiresAt")]
    public async Task BadOverrideIsRefusedNamingTheField(string policy, string body, int status, string field)
    {
        var response = await SendAsync("PUT", $"/admin/v1/overrides/{policy}/bad-input", WriteToken, body);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(field, (await response.JsonAsync()).GetProperty("field").GetString());
        var view = await (await SendAsync("GET", "/admin/v1/keys/ten-per-minute/bad-input", ReadToken)).JsonAsync();
        Assert.Equal(JsonValueKind.Null, view.GetProperty("override").ValueKind);
    }

    [Theory]
    [InlineData("GET", "/admin/v1/keys/nope/k", null, 404, "policy")]
    [InlineData("GET", "/admin/v1/overrides?policy=nope", null, 404, "policy")]
    [InlineData("POST", "/admin/v1/pause", """{"policy":"nope","key":"k","for":"1m"}""", 404, "policy")]
    [InlineData("POST", "/admin/v1/pause", """{"policy":"ten-per-minute","key":"","for":"1m"}""", 400, "key")]
    [InlineData("POST", "/admin/v1/pause", """{"policy":"ten-per-minute","key":"k","for":"2d"}""", 400, "for")]
    [InlineData("POST", "/admin/v1/pause", """{"policy":"ten-per-minute","key":"k","for":"soon"}""", 400, "for")]
    public async Task BadKeyRequestIsRefusedNamingTheField(string method, string path, string? body, int status, string field)
    {
        var response = await SendAsync(method, path, WriteToken, body);

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal(field, (await response.JsonAsync()).GetProperty("field").GetString());
    }

    [Fact]
    public async Task PauseDeniesTheKeyAndShowsUntilWhen()
    {
        var key = Guid.NewGuid().ToString();

        var paused = await SendAsync("POST", "/admin/v1/pause", WriteToken, $$"""{"policy":"ten-per-minute","key":"{{key}}","for":"10m"}""");

        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        var until = DateTimeOffset.Parse((await paused.JsonAsync()).GetProperty("pausedUntil").GetString()!, CultureInfo.InvariantCulture);
        Assert.InRange(until, DateTimeOffset.UtcNow.AddMinutes(9), DateTimeOffset.UtcNow.AddMinutes(11));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await _silo.Http.CheckAsync("ten-per-minute", key)).StatusCode);
    }

    [Fact]
    public async Task PoliciesListsThePoliciesInForce()
    {
        var policies = await (await SendAsync("GET", "/admin/v1/policies", ReadToken)).JsonAsync();

        Assert.True(policies.GetProperty("version").GetInt64() >= 1);
        Assert.EndsWith(".yaml", policies.GetProperty("source").GetString(), StringComparison.Ordinal);
        var twoLimits = policies.GetProperty("policies").EnumerateArray().Single(static p => p.GetProperty("name").GetString() == "two-limits");
        Assert.Equal("region", twoLimits.GetProperty("scope").GetString());
        Assert.Equal("open", twoLimits.GetProperty("failureMode").GetString());
        Assert.False(twoLimits.GetProperty("shadowMode").GetBoolean());
        Assert.Equal(3_600_000, twoLimits.GetProperty("limits")[1].GetProperty("windowMs").GetInt64());
        Assert.Equal("per-hour", twoLimits.GetProperty("limits")[1].GetProperty("name").GetString());
    }

    [Fact]
    public async Task PoliciesShowAnAdaptiveLimitsBoundsAndSettings()
    {
        var policies = await (await SendAsync("GET", "/admin/v1/policies", ReadToken)).JsonAsync();

        var adaptive = policies.GetProperty("policies").EnumerateArray().Single(static p => p.GetProperty("name").GetString() == "adaptive");
        Assert.Equal("""
            {"min":20,"max":400,"by":"latency","rule":"aimd","targetMs":150,"windowMs":60000,"intervalMs":1000,"minSamples":10,"increase":19,"decrease":0.7}
            """, adaptive.GetProperty("limits")[0].GetProperty("adaptive").GetRawText());
        var twoLimits = policies.GetProperty("policies").EnumerateArray().Single(static p => p.GetProperty("name").GetString() == "two-limits");
        Assert.Equal(JsonValueKind.Null, twoLimits.GetProperty("limits")[0].GetProperty("adaptive").ValueKind);
    }

    private Task<HttpResponseMessage> SendAsync(string method, string path, string? token, string? body = null) => Send(_silo.Http, method, path, token, body);

    public static Task<HttpResponseMessage> Send(HttpClient http, string method, string path, string? token, string? body = null)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = body is null ? null : new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return http.SendAsync(request);
    }
}
