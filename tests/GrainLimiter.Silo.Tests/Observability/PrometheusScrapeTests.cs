using System.Diagnostics;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Observability;

/// <summary>A real Prometheus server scrapes a silo's <c>/metrics</c>; the counts come back through its query API, and
/// <c>promtool check metrics</c> accepts the scraped text.</summary>
[Collection(MetricsEndpointTests.Name)]
public sealed class PrometheusScrapeTests
{
    private const string Policies = """
        policies:
          - name: scraped
            limits:
              - { algorithm: fixed_window, limit: 2, window: 1h }
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

        var start = new ProcessStartInfo(Tools.Find("promtool"), ["check", "metrics"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var promtool = Process.Start(start)!;
        var output = promtool.StandardOutput.ReadToEndAsync();
        var errors = promtool.StandardError.ReadToEndAsync();
        await promtool.StandardInput.WriteAsync(text);
        promtool.StandardInput.Close();
        await promtool.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(promtool.ExitCode == 0, $"promtool check metrics failed ({promtool.ExitCode}): {await output}{await errors}\n{text}");
        Assert.Contains("grainlimiter_decisions_total{", text, StringComparison.Ordinal);
    }
}
