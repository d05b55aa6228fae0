using System.Net;
using System.Text.Json;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Fronts.Admin;

/// <summary>Overrides and policy reloads across silo processes of one cluster on a real redis-server (storage and membership).</summary>
[Collection(RedisServerCollection.Name)]
public sealed class AdminClusterTests(RedisServerFixture redis)
{
    private const string Token = SiloProcess.AdminToken;

    private const string Policies = """
        policies:
          - name: per-hour
            limits:
              - { algorithm: token_bucket, limit: 10, window: 1h }
        """;

    private static Task<HttpResponseMessage> SendAsync(SiloProcess silo, string method, string path, string? body = null) =>
        AdminApiTests.Send(silo.Http, method, path, Token, body);

    private static async Task<JsonElement> PoliciesAsync(SiloProcess silo) => await (await SendAsync(silo, "GET", "/admin/v1/policies")).JsonAsync();

    private static long FirstLimit(JsonElement policies) => policies.GetProperty("policies")[0].GetProperty("limits")[0].GetProperty("limit").GetInt64();

    [Fact]
    public async Task OverrideSetThroughOneSiloIsInForceOnAnotherAndAfterTheClusterRestarts()
    {
        await using var cluster = await SiloProcessCluster.StartAsync(2, Policies, redis.Server);
        var (first, second) = (cluster.Silos[0], cluster.Silos[1]);
        string[] keys = ["customer-1", "customer-2", "customer-3", "customer-4"];
        foreach (var key in keys)
        {
            var put = await SendAsync(first, "PUT", $"/admin/v1/overrides/per-hour/{key}", """{"limits":[{"limit":3}]}""");
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        foreach (var key in keys)
        {
            Assert.Equal(HttpStatusCode.OK, (await second.Http.CheckAsync("per-hour", key, cost: 3)).StatusCode);
            Assert.Equal(HttpStatusCode.TooManyRequests, (await second.Http.CheckAsync("per-hour", key)).StatusCode);
        }

        // Every silo leaves; a new one reads the keys' state from Redis.
        foreach (var silo in cluster.Silos)
        {
            silo.Terminate();
        }

        foreach (var silo in cluster.Silos)
        {
            Assert.True(await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)), silo.Output);
        }

        var restarted = cluster.StartOne();
        await restarted.WaitReadyAsync(SiloProcessCluster.StartTimeout);
        foreach (var key in keys)
        {
            var view = await (await SendAsync(restarted, "GET", $"/admin/v1/keys/per-hour/{key}")).JsonAsync();
            Assert.Equal(3, view.GetProperty("override").GetProperty("limits")[0].GetProperty("limit").GetInt64());
            Assert.Equal(3, view.GetProperty("limits")[0].GetProperty("effectiveLimit").GetInt64());
            Assert.Equal(3, view.GetProperty("limits")[0].GetProperty("used").GetInt64());
            Assert.Equal(HttpStatusCode.TooManyRequests, (await restarted.Http.CheckAsync("per-hour", key)).StatusCode);
        }

        var listed = await (await SendAsync(restarted, "GET", "/admin/v1/overrides")).JsonAsync();
        Assert.True(keys.SequenceEqual(listed.GetProperty("overrides").EnumerateArray().Select(static o => o.GetProperty("key").GetString())),
            $"listed {listed}; silo output: {restarted.Output}");
    }

    [Fact]
    public async Task ReloadOnOneSiloAppliesOnEverySiloWithoutWatching()
    {
        await using var cluster = await SiloProcessCluster.StartAsync(2, Policies, redis.Server, new Dictionary<string, string>
        {
            ["GrainLimiter__WatchPolicies"] = "false",
            ["GrainLimiter__PolicyReloadDelay"] = "00:00:00.500",
        });
        var (first, second) = (cluster.Silos[0], cluster.Silos[1]);
        Assert.Equal(HttpStatusCode.OK, (await second.Http.CheckAsync("per-hour", "reloaded", cost: 4)).StatusCode);
        await File.WriteAllTextAsync(cluster.PoliciesFile, Policies.Replace("limit: 10,", "limit: 5,", StringComparison.Ordinal));

        var reload = await SendAsync(first, "POST", "/admin/v1/policies/reload");

        Assert.Equal(HttpStatusCode.OK, reload.StatusCode);
        Assert.Equal(5, FirstLimit(await PoliciesAsync(first)));
        await Eventually.TrueAsync(async () => FirstLimit(await PoliciesAsync(second)) == 5, TimeSpan.FromSeconds(20), "the second silo reloads too");
        // The key's usage (4) is judged against 5 whichever silo answers.
        Assert.Equal(HttpStatusCode.OK, (await second.Http.CheckAsync("per-hour", "reloaded")).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await first.Http.CheckAsync("per-hour", "reloaded")).StatusCode);
    }

    [Fact]
    public async Task WatchedChangeAppliesOnEverySiloAndAnInvalidOneOnNone()
    {
        await using var cluster = await SiloProcessCluster.StartAsync(2, Policies, redis.Server, new Dictionary<string, string>
        {
            ["GrainLimiter__PolicyReloadDelay"] = "00:00:00.500",
        });

        await File.WriteAllTextAsync(cluster.PoliciesFile, Policies.Replace("limit: 10,", "limit: 7,", StringComparison.Ordinal));

        foreach (var silo in cluster.Silos)
        {
            await Eventually.TrueAsync(async () => FirstLimit(await PoliciesAsync(silo)) == 7, TimeSpan.FromSeconds(20), "every silo reloads the changed file");
        }

        await File.WriteAllTextAsync(cluster.PoliciesFile, Policies.Replace("limit: 10,", "limit: -1,", StringComparison.Ordinal));
        var refused = await SendAsync(cluster.Silos[1], "POST", "/admin/v1/policies/reload");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("limits[0].limit", (await refused.JsonAsync()).GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
        foreach (var silo in cluster.Silos)
        {
            Assert.Equal(7, FirstLimit(await PoliciesAsync(silo)));
        }
    }
}
