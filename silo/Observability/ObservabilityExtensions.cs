using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace GrainLimiter.Silo.Observability;

/// <summary>Metrics: the silo's meter collected by the OpenTelemetry SDK and served as Prometheus text on <c>/metrics</c>.</summary>
public static class ObservabilityExtensions
{
    // Decisions take microseconds, not the seconds the SDK's default buckets assume.
    private static readonly double[] CheckDurationBuckets =
        [0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

    public static IServiceCollection AddSiloMetrics(this IServiceCollection services)
    {
        services.AddMetrics();
        services.AddSingleton<SiloMetrics>();
        services.AddSingleton<PrometheusTextExporter>();
        services.AddSingleton(static provider =>
        {
            // The instruments must exist before the provider listens: resolve them first.
            provider.GetRequiredService<SiloMetrics>();
            return Sdk.CreateMeterProviderBuilder()
                .AddMeter(MetricNames.Meter)
                .AddView(MetricNames.CheckDuration, new ExplicitBucketHistogramConfiguration { Boundaries = CheckDurationBuckets })
                .AddReader(new BaseExportingMetricReader(provider.GetRequiredService<PrometheusTextExporter>()))
                .Build();
        });
        return services;
    }

    public static void MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        endpoints.ServiceProvider.GetRequiredService<MeterProvider>();
        endpoints.MapGet("/metrics", static (PrometheusTextExporter exporter) =>
            Results.Text(exporter.Scrape(), "text/plain; version=0.0.4; charset=utf-8"));
    }
}
