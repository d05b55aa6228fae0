using GrainLimiter.Silo.Config;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace GrainLimiter.Silo.Observability;

/// <summary>Metrics: the silo's meters collected by the OpenTelemetry SDK, served on <c>/metrics</c> by the OpenTelemetry
/// Prometheus exporter and, when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, pushed over OTLP.</summary>
public static class ObservabilityExtensions
{
    /// <summary>The meters exported: the silo's own and Orleans'.</summary>
    public static readonly string[] Meters = [MetricNames.Meter, "Microsoft.Orleans"];

    /// <summary>Exported with <c>GrainLimiter:DetailedMetrics</c> only: ASP.NET Core's and Kestrel's, measured on every request.</summary>
    public static readonly string[] PerRequestMeters = ["Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel"];

    /// <summary>Orleans instruments recorded on every grain message; dropped unless <c>GrainLimiter:DetailedMetrics</c> is on (a dropped
    /// instrument is not listened to, so Orleans does not measure it).</summary>
    public static readonly string[] PerMessageOrleansInstruments =
    [
        "orleans-app-requests-latency", "orleans-messaging-sent-messages-size", "orleans-messaging-received-messages-size",
        "orleans-messaging-sent-header-size", "orleans-messaging-received-header-size",
    ];

    /// <summary>The setting that adds <see cref="PerRequestMeters"/> and <see cref="PerMessageOrleansInstruments"/>.</summary>
    public const string DetailedMetricsSetting = SiloOptions.Section + ":" + nameof(SiloOptions.DetailedMetrics);

    /// <summary>The standard variable that switches the OTLP exporter on (its other <c>OTEL_EXPORTER_OTLP_*</c> settings apply as usual).</summary>
    public const string OtlpEndpointVariable = "OTEL_EXPORTER_OTLP_ENDPOINT";

    // Decisions take microseconds, not the seconds the SDK's default buckets assume.
    private static readonly double[] CheckDurationBuckets =
        [0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

    public static IServiceCollection AddSiloMetrics(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddMetrics();
        services.AddSingleton<SiloMetrics>();
        services.AddOpenTelemetry().ConfigureResource(resource =>
        {
            // The SDK reads OTEL_SERVICE_NAME itself; a name added here would override it.
            if (string.IsNullOrWhiteSpace(configuration["OTEL_SERVICE_NAME"]))
            {
                resource.AddService("grainlimiter-silo");
            }
        }).WithMetrics(metrics =>
        {
            // What is measured per call costs CPU on every decision: ASP.NET Core's request and connection meters and Orleans'
            // message histograms only when asked for.
            var detailed = configuration.GetValue<bool>(DetailedMetricsSetting);
            metrics.AddMeter(detailed ? [.. Meters, .. PerRequestMeters] : Meters);
            if (!detailed)
            {
                foreach (var instrument in PerMessageOrleansInstruments)
                {
                    metrics.AddView(instrument, MetricStreamConfiguration.Drop);
                }
            }

            metrics
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
