using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Observability;

/// <summary>k8s/monitoring: the alert rules pass promtool (syntax and their unit tests), and every query of the rules and
/// the Grafana dashboard names a metric a silo exports.</summary>
/// <remarks>It scrapes a silo's /metrics, which would also carry the instruments of silos other tests run in this process
/// at the same time (duplicate samples): it runs alone, with <see cref="MetricsEndpointTests"/>.</remarks>
[Collection(MetricsEndpointTests.Name)]
public sealed partial class MonitoringFilesTests
{
    private static readonly string Directory = Repository.Path("k8s", "monitoring");

    private const string Policies = """
        policies:
          - name: watched
            limits:
              - { algorithm: token_bucket, limit: 2, window: 1h, alertAt: 0.5 }
        """;

    [Fact]
    public async Task AlertRulesPassPromtoolCheck()
    {
        var (exit, output) = await Tools.PromtoolAsync(["check", "rules", "grainlimiter-alerts.yaml"], Directory);

        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS: 9 rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AlertRulesPassTheirUnitTests()
    {
        var (exit, output) = await Tools.PromtoolAsync(["test", "rules", "grainlimiter-alerts.test.yaml"], Directory);

        Assert.True(exit == 0, output);
    }

    [Fact]
    public void TheGrafanaDashboardParsesAndEveryPanelHasAQuery()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(Directory, "grafana-dashboard.json")));

        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();

        Assert.Equal("grainlimiter", dashboard.RootElement.GetProperty("uid").GetString());
        Assert.NotEmpty(panels);
        Assert.All(panels, p => Assert.NotEmpty(p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString())));
    }

    [Fact]
    public async Task EveryQueryNamesAMetricTheSiloExports()
    {
        await using var silo = await RunningSilo.StartAsync(Policies);
        // A denial and an alert, so the counters that only appear once used are in the scrape.
        for (var i = 0; i < 3; i++)
        {
            await silo.Http.CheckAsync("watched", "k");
        }

        var exported = PrometheusText.Parse(await silo.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative))).Keys
            .Select(static sample => sample.Split('{')[0])
            .ToHashSet(StringComparer.Ordinal);
        // Region metrics appear only once a peer region is configured; they are the silo's own instruments.
        exported.UnionWith(typeof(MetricNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(static f => f.IsLiteral && f.Name != nameof(MetricNames.Meter))
            .Select(static f => (string)f.GetRawConstantValue()!));
        exported.Add("up"); // Prometheus' own, per scrape target.

        var queried = Queries()
            .Select(static q => LabelLists().Replace(q, ""))
            .SelectMany(static q => MetricName().Matches(q).Select(static m => m.Value))
            .ToHashSet(StringComparer.Ordinal);

        Assert.Contains("grainlimiter_alerts_total", queried);
        Assert.Contains("orleans_consistent_ring_size", queried);
        var unknown = queried.Where(name => !exported.Contains(name) && !exported.Contains(name + "_bucket")).Order(StringComparer.Ordinal).ToList();
        Assert.True(unknown.Count == 0, "Queried but not exported: " + string.Join(", ", unknown));
    }

    private static IEnumerable<string> Queries()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(System.IO.Path.Combine(Directory, "grafana-dashboard.json")));
        var panelQueries = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .SelectMany(static p => p.GetProperty("targets").EnumerateArray())
            .Select(static t => t.GetProperty("expr").GetString()!)
            .ToList();
        var ruleQueries = ExprLine().Matches(File.ReadAllText(System.IO.Path.Combine(Directory, "grainlimiter-alerts.yaml")))
            .Select(static m => m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value);
        return panelQueries.Concat(ruleQueries).ToList();
    }

    // Metric names in PromQL (label lists removed first): the families GrainLimiter, Orleans, ASP.NET Core and Kestrel
    // export, and Prometheus' up.
    [GeneratedRegex(@"\b(?:grainlimiter|orleans|http|kestrel)_[a-z_]+\b|\bup\b")]
    private static partial Regex MetricName();

    // Label matchers and grouping labels, which name labels, not metrics.
    [GeneratedRegex(@"\{[^}]*\}|\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")]
    private static partial Regex LabelLists();

    // The rule file's expressions: `expr: ...` on one line, or the indented block after `expr: |`.
    [GeneratedRegex(@"expr: (?:\|\n((?:\s{10}.*\n)+)|(.*))")]
    private static partial Regex ExprLine();
}
