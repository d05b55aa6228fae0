using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace GrainLimiter.Silo.Observability;

/// <summary>Metrics: the silo's meters collected by the OpenTelemetry SDK, served on <c>/metrics</c> by the OpenTelemetry
/// Prometheus exporter and, when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, pushed over OTLP.</summary>
public static class ObservabilityExtensions
{
    /// <summary>The meters exported besides the silo's own: ASP.NET Core and Kestrel (requests, connections) and Orleans.</summary>
    public static readonly string[] Meters =
        [MetricNames.Meter, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.Orleans"];

    /// <summary>The standard variable that switches the OTLP exporter on (its other <c>OTEL_EXPORTER_OTLP_*</c> settings apply as usual).</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    // Decisions take microseconds, not the seconds the SDK's default buckets assume.
    private static readonly double[] CheckDurationBuckets =
        [0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

    public static IServiceCollection AddSiloMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.AddSingleton<SiloMetrics>();
        services.AddOpenTelemetry().ConfigureResource(static r => r.AddService("grainlimiter-silo")).WithMetrics(metrics =>
        {
            metrics.AddMeter(Meters)
                .AddView(MetricNames.CheckDuration, new ExplicitBucketHistogramConfiguration { Boundaries = CheckDurationBuckets })
                // Every scrape sees the counts of that moment (the exporter caches a scrape for 300 ms by default).
                .AddPrometheusExporter(static o => o.ScrapeResponseCacheDurationMilliseconds = 0);
            if (!string.IsNullOrWhiteSpace(configuration[OtlpEndpointVariable]))
            {
                metrics.AddOtlpExporter();
            }
        });
        return services;
    }

    public static void MapMetrics(this IEndpointRouteBuilder endpoints)
    {
        // The observable instruments exist from start, not from the first decision.
        endpoints.ServiceProvider.GetRequiredService<SiloMetrics>();
        endpoints.MapPrometheusScrapingEndpoint("/metrics");
    }
}
