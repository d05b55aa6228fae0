using System.Net;
using GrainLimiter.Silo.Tests.Fixtures;
using GrainLimiter.Silo.Tests.Fronts.Admin;

namespace GrainLimiter.Silo.Tests.Policies.Reload;

/// <summary>Live policy reload on a real silo: on demand and by watching the file; invalid files refused.</summary>
public sealed class PolicyReloadTests
{
    private const string Token = AdminApiTests.WriteToken;

    private const string Policies = """
        policies:
          - name: per-minute
            limits:
              - { algorithm: sliding_log, limit: 10, window: 1m }
          - name: changing-algorithm
            limits:
              - { algorithm: token_bucket, limit: 3, window: 1h }
          - name: doomed
            limits:
              - { algorithm: token_bucket, limit: 3, window: 1h }
        """;

    private static Task<RunningSilo> StartAsync(bool watch) => RunningSilo.StartAsync(Policies, new Dictionary<string, string?>
    {
        ["GrainLimiter:AdminToken"] = Token,
        ["GrainLimiter:WatchPolicies"] = watch ? "true" : "false",
        ["GrainLimiter:PolicyReloadDelay"] = "00:00:00.200",
    });

    private static Task<HttpResponseMessage> ReloadAsync(RunningSilo silo) => AdminApiTests.Send(silo.Http, "POST", "/admin/v1/policies/reload", Token);

    private static async Task<long> VersionAsync(RunningSilo silo) =>
        (await (await AdminApiTests.Send(silo.Http, "GET", "/admin/v1/policies", Token)).JsonAsync()).GetProperty("version").GetInt64();

    [Fact]
    public async Task ChangedLimitKeepsTheUsageAndChangedAlgorithmStartsFresh()
    {
        await using var silo = await StartAsync(watch: false);
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.CheckAsync("per-minute", "k", cost: 4)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.CheckAsync("changing-algorithm", "k", cost: 3)).StatusCode);
        var before = await VersionAsync(silo);

        await File.WriteAllTextAsync(silo.PoliciesFile, Policies
            .Replace("limit: 10, window: 1m", "limit: 6, window: 1m", StringComparison.Ordinal)
            .Replace("{ algorithm: token_bucket, limit: 3, window: 1h }\n  - name: doomed",
                "{ algorithm: sliding_log, limit: 3, window: 1h }\n  - name: doomed", StringComparison.Ordinal)
            .Replace("{ algorithm: token_bucket, limit: 3, window: 1h }\r\n  - name: doomed",
                "{ algorithm: sliding_log, limit: 3, window: 1h }\r\n  - name: doomed", StringComparison.Ordinal));
        var reload = await ReloadAsync(silo);

        Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        var answer = await reload.JsonAsync();
        Assert.Equal(before + 1, answer.GetProperty("version").GetInt64());
        Assert.Equal(["per-minute", "changing-algorithm", "doomed"], answer.GetProperty("policies").EnumerateArray().Select(static p => p.GetString()));
        // 4 used of the new 6: two more.
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.CheckAsync("per-minute", "k", cost: 2)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await silo.Http.CheckAsync("per-minute", "k")).StatusCode);
        // Sliding log now: fresh, three admitted.
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.CheckAsync("changing-algorithm", "k", cost: 3)).StatusCode);
        var view = await (await AdminApiTests.Send(silo.Http, "GET", "/admin/v1/keys/changing-algorithm/k", Token)).JsonAsync();
        Assert.Equal("sliding_log", view.GetProperty("limits")[0].GetProperty("algorithm").GetString());
    }

    [Fact]
    public async Task InvalidFileIsRefusedWithEveryProblemAndTheOldPoliciesKeepDeciding()
    {
        await using var silo = await StartAsync(watch: false);
        var before = await VersionAsync(silo);
        await File.WriteAllTextAsync(silo.PoliciesFile, """
            policies:
              - name: per-minute
                limits:
                  - { algorithm: fixed_window, limit: 0, window: 1m }
              - name: other
                limits:
                  - { algorithm: fixed_windows, limit: 5, window: 1m }
            """);

        var reload = await ReloadAsync(silo);

        Assert.Equal(HttpStatusCode.BadRequest, reload.StatusCode);
        var problem = await reload.JsonAsync();
        Assert.Equal("Policy file is invalid", problem.GetProperty("title").GetString());
        Assert.Equal("policiesFile", problem.GetProperty("field").GetString());
        var errors = problem.GetProperty("errors").EnumerateArray().Select(static e => e.GetString()!).ToArray();
        Assert.Contains(errors, static e => e.Contains("limits[0].limit", StringComparison.Ordinal) && e.Contains("per-minute", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.Contains("algorithm", StringComparison.Ordinal) && e.Contains("fixed_windows", StringComparison.Ordinal));
        Assert.All(errors, e => Assert.StartsWith(silo.PoliciesFile, e, StringComparison.Ordinal));
        Assert.Equal(before, await VersionAsync(silo));
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.CheckAsync("per-minute", "k", cost: 10)).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await silo.Http.CheckAsync("per-minute", "k")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.CheckAsync("doomed", "k")).StatusCode);
    }

    [Fact]
    public async Task WatchedFileChangeAppliesWithinTheDelayAndRemovedPolicyIsUnknown()
    {
        await using var silo = await StartAsync(watch: true);
        var before = await VersionAsync(silo);
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.CheckAsync("doomed", "k")).StatusCode);

        await File.WriteAllTextAsync(silo.PoliciesFile, """
            policies:
              - name: per-minute
                limits:
                  - { algorithm: sliding_log, limit: 1, window: 1m }
            """);

        await Eventually.TrueAsync(async () => await VersionAsync(silo) > before, TimeSpan.FromSeconds(20), "the changed file is reloaded");
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.CheckAsync("per-minute", "k")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await silo.Http.CheckAsync("per-minute", "k")).StatusCode);
        var removed = await silo.Http.CheckAsync("doomed", "k");
        Assert.Equal(HttpStatusCode.BadRequest, removed.StatusCode);
        Assert.Equal("checks[0].policy", (await removed.JsonAsync()).GetProperty("field").GetString());
    }
}
