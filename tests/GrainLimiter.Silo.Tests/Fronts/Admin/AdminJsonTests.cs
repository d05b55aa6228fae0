using System.Text.Json;
using GrainLimiter.Adaptive;
using GrainLimiter.Config;
using GrainLimiter.Grains;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Fronts.Admin;

namespace GrainLimiter.Silo.Tests.Fronts.Admin;

/// <summary>The admin API's JSON for adaptive limits: what a key's limit has learned, and a policy's adaptive bounds.</summary>
public sealed class AdminJsonTests
{
    [Fact]
    public void AKeysAdaptiveLimitShowsItsLimitInForceAndWhatItLearned()
    {
        var view = new KeyView(
        [
            new LimitView("per-second", LimitAlgorithmKind.TokenBucket, 100, 57, 3, 54, TimeSpan.FromMilliseconds(40), TimeSpan.FromSeconds(1),
                new AdaptiveView(AdaptiveRule.Aimd, AdaptiveSignal.Both, 20, 400, 0.974_321, TimeSpan.FromTicks(1_834_567), 41.96)),
            new LimitView("per-hour", LimitAlgorithmKind.FixedWindow, 1000, 1000, 3, 997, TimeSpan.FromMinutes(20), TimeSpan.FromHours(1)),
        ], null, null);

        var limits = Write(json => AdminJson.KeyView(json, "api", "user:42", view)).GetProperty("limits");

        Assert.Equal(57, limits[0].GetProperty("effectiveLimit").GetInt64());
        Assert.Equal(100, limits[0].GetProperty("limit").GetInt64());
        Assert.Equal("""{"rule":"aimd","by":"both","min":20,"max":400,"successRate":0.9743,"latencyMs":183.5,"samples":42}""",
            limits[0].GetProperty("adaptive").GetRawText());
        Assert.Equal(JsonValueKind.Null, limits[1].GetProperty("adaptive").ValueKind);
    }

    [Fact]
    public void AnAdaptiveLimitWithNoReportsYetShowsNullRates()
    {
        var view = new KeyView(
            [new LimitView("p", LimitAlgorithmKind.Gcra, 10, 10, 0, 10, TimeSpan.Zero, TimeSpan.FromSeconds(1),
                new AdaptiveView(AdaptiveRule.Multiplier, AdaptiveSignal.SuccessRate, 1, 20, null, null, 0))], null, null);

        var adaptive = Write(json => AdminJson.KeyView(json, "p", "k", view)).GetProperty("limits")[0].GetProperty("adaptive");

        Assert.Equal("""{"rule":"multiplier","by":"success_rate","min":1,"max":20,"successRate":null,"latencyMs":null,"samples":0}""", adaptive.GetRawText());
    }

    [Fact]
    public void APolicysAdaptiveLimitShowsEveryFieldInForceAndAimdsStepsOnlyForAimd()
    {
        var policies = PolicyFileLoader.Parse("""
            policies:
              - name: p
                limits:
                  - { algorithm: token_bucket, limit: 100, window: 1s, adaptive: { min: 20, max: 400, rule: aimd, by: latency, target: 150ms, decrease: 0.5 } }
                  - { algorithm: fixed_window, limit: 10, window: 1m, adaptive: { min: 1, max: 10, window: 5m, interval: 10s, minSamples: 3 } }
                  - { algorithm: fixed_window, limit: 10, window: 1h }
            """, "p.yaml");
        var limits = policies[0].Limits;

        var json = Write(writer =>
        {
            writer.WriteStartArray();
            for (var i = 0; i < limits.Count; i++)
            {
                AdminJson.PolicyLimit(writer, $"l{i}", limits[i]);
            }

            writer.WriteEndArray();
        });

        Assert.Equal("""
            {"min":20,"max":400,"by":"latency","rule":"aimd","targetMs":150,"windowMs":60000,"intervalMs":1000,"minSamples":10,"increase":19,"decrease":0.5}
            """, json[0].GetProperty("adaptive").GetRawText());
        Assert.Equal("""{"min":1,"max":10,"by":"both","rule":"multiplier","targetMs":200,"windowMs":300000,"intervalMs":10000,"minSamples":3}""",
            json[1].GetProperty("adaptive").GetRawText());
        Assert.Equal(JsonValueKind.Null, json[2].GetProperty("adaptive").ValueKind);
        Assert.Equal(["l0", "token_bucket", "100", "1000"],
            new[] { "name", "algorithm", "limit", "windowMs" }.Select(f => json[0].GetProperty(f).ToString()));
    }

    private static JsonElement Write(Action<Utf8JsonWriter> write)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            write(json);
        }

        return JsonDocument.Parse(stream.ToArray()).RootElement.Clone();
    }
}
