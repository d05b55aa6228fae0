using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Observability;

/// <remarks>
/// The OpenTelemetry SDK listens to every meter named GrainLimiter in the process, so silos other tests run in this
/// process at the same time would add to these counts: this collection runs alone. (In production a silo is a process.)
/// </remarks>
[Collection(Name)]
public sealed class MetricsEndpointTests
{
    public const string Name = "metrics (alone in the process)";

    private const string Policies = """
        policies:
          - name: five
            limits:
              - { algorithm: token_bucket, limit: 5, window: 1h }
          - name: half-alert
            limits:
              - { algorithm: token_bucket, limit: 10, window: 1h, alertAt: 0.5, name: per-hour }
          - name: "shadow \"quoted\""
            shadowMode: true
            limits:
              - { algorithm: token_bucket, limit: 1, window: 1h }
        """;

    [Fact]
    public async Task MetricsCountDecisionsByPolicyAndResultInValidPrometheusText()
    {
        await using var silo = await RunningSilo.StartAsync(Policies);
        for (var i = 0; i < 7; i++)
        {
            await silo.Http.CheckAsync("five", "k");
        }

        await silo.Http.CheckAsync("shadow \"quoted\"", "k");
        await silo.Http.CheckAsync("shadow \"quoted\"", "k");

        var response = await silo.Http.GetAsync("/metrics");
        var samples = PrometheusText.Parse(await response.Content.ReadAsStringAsync());

        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        // The OpenTelemetry exporter labels every sample with the meter it came from.
        Assert.Equal(5, samples["grainlimiter_decisions_total{otel_scope_name=\"GrainLimiter\",policy=\"five\",result=\"allowed\"}"]);
        Assert.Equal(2, samples["grainlimiter_decisions_total{otel_scope_name=\"GrainLimiter\",policy=\"five\",result=\"denied\"}"]);
        Assert.Equal(1, samples["grainlimiter_decisions_total{otel_scope_name=\"GrainLimiter\",policy=\"shadow \\\"quoted\\\"\",result=\"shadow_denied\"}"]);
        Assert.Equal(9, samples["grainlimiter_check_duration_seconds_count{otel_scope_name=\"GrainLimiter\"}"]);
        Assert.Equal(9, samples["grainlimiter_check_duration_seconds_bucket{otel_scope_name=\"GrainLimiter\",le=\"+Inf\"}"]);
        Assert.Equal(2, samples["grainlimiter_active_grains{otel_scope_name=\"GrainLimiter\"}"]);
        Assert.Equal(0, samples["grainlimiter_store_write_failures_total{otel_scope_name=\"GrainLimiter\"}"]);
    }

    [Fact]
    public async Task DecisionsAtTheAlertThresholdAreCountedByPolicyAndLimit()
    {
        await using var silo = await RunningSilo.StartAsync(Policies);
        for (var i = 0; i < 6; i++)
        {
            await silo.Http.CheckAsync("half-alert", "k");
        }

        var samples = PrometheusText.Parse(await silo.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)));

        // Usage reaches 5 of 10 (alertAt 0.5) with the fifth decision: the fifth and sixth carry the alert.
        Assert.Equal(2, samples["grainlimiter_alerts_total{otel_scope_name=\"GrainLimiter\",limit=\"per-hour\",policy=\"half-alert\"}"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task PerRequestMetersAreExportedOnlyWithDetailedMetrics(bool detailed)
    {
        await using var silo = await RunningSilo.StartAsync(Policies,
            new Dictionary<string, string?> { ["GrainLimiter:DetailedMetrics"] = detailed ? "true" : "false" });
        await silo.Http.CheckAsync("five", "k");

        var names = PrometheusText.Parse(await silo.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Keys;

        // ASP.NET Core's request duration, measured on every request, only when asked for; the silo's own meter always.
        Assert.Equal(detailed, names.Any(static n => n.StartsWith("http_server_request_duration_seconds", StringComparison.Ordinal)));
        Assert.Contains(names, static n => n.StartsWith("grainlimiter_decisions_total", StringComparison.Ordinal));
    }

    [Fact]
    public async Task HistogramBucketsAreCumulative()
    {
        await using var silo = await RunningSilo.StartAsync(Policies);
        for (var i = 0; i < 20; i++)
        {
            await silo.Http.CheckAsync("five", $"k{i}");
        }

        var samples = PrometheusText.Parse(await silo.Http.GetStringAsync("/metrics"));
        var buckets = samples.Where(s => s.Key.StartsWith("grainlimiter_check_duration_seconds_bucket", StringComparison.Ordinal))
            .Select(s => s.Value).ToList();

        Assert.True(buckets.Count > 5);
        Assert.Equal(buckets.Order(), buckets);
    }
}

[CollectionDefinition(MetricsEndpointTests.Name, DisableParallelization = true)]
public sealed class MetricsCollection;
