using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Observability;

/// <summary>A real Prometheus server scrapes a silo's <c>/metrics</c>; the counts come back through its query API, and
/// <c>promtool check metrics</c> accepts the scraped text (Orleans' own families aside, see the test).</summary>
[Collection(MetricsEndpointTests.Name)]
public sealed class PrometheusScrapeTests
{
    private const string Policies = """
        policies:
          - name: scraped
            limits:
              - { algorithm: token_bucket, limit: 2, window: 1h }
        """;

    [Fact]
    public async Task PrometheusScrapesDecisionCountsFromTheSilo()
    {
        await using var silo = await RunningSilo.StartAsync(Policies);
        for (var i = 0; i < 5; i++)
        {
            await silo.Http.CheckAsync("scraped", "k");
        }

        await using var prometheus = await PrometheusServer.StartAsync(silo.HttpAddress.Authority);

        double? denied = null;
        await Eventually.TrueAsync(
            async () => (denied = await prometheus.QueryAsync("grainlimiter_decisions_total{policy=\"scraped\",result=\"denied\"}")) is not null,
            TimeSpan.FromSeconds(30), $"Prometheus has scraped the silo's decisions\n{prometheus.Output}");
        Assert.Equal(3, denied);
        Assert.Equal(2, await prometheus.QueryAsync("grainlimiter_decisions_total{policy=\"scraped\",result=\"allowed\"}"));
        Assert.Equal(1, await prometheus.QueryAsync("up{job=\"grainlimiter\"}"));
    }

    [Fact]
    public async Task PromtoolAcceptsTheScrapedText()
    {
        await using var silo = await RunningSilo.StartAsync(Policies);
        await silo.Http.CheckAsync("scraped", "k");
        var text = await silo.Http.GetStringAsync("/metrics");

        var (exit, printed) = await Tools.PromtoolAsync(["check", "metrics"], input: text);

        // Exit 1 is a format error; exit 3 lists lint problems. Orleans' own instruments have no descriptions and count in
        // milliseconds, which promtool lints; every family of ours (and ASP.NET Core's) must lint clean.
        var problems = printed.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var ours = problems.Where(static line => !line.StartsWith("orleans_", StringComparison.Ordinal)).ToList();
        Assert.True(exit is 0 or 3 && ours.Count == 0,
            $"promtool check metrics failed ({exit}):\n{string.Join('\n', ours)}\n{text}");
        Assert.Contains("grainlimiter_decisions_total{", text, StringComparison.Ordinal);
    }
}
