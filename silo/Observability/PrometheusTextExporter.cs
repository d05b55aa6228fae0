using System.Globalization;
using System.Text;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace GrainLimiter.Silo.Observability;

/// <summary>Renders the OpenTelemetry SDK's metrics in the Prometheus text exposition format (version 0.0.4) on each scrape.</summary>
/// <remarks>The OpenTelemetry Prometheus exporter package does not restore here; this is the small part of it we need.</remarks>
[ExportModes(ExportModes.Pull)]
public sealed class PrometheusTextExporter : BaseExporter<Metric>, IPullMetricExporter
{
    private const int CollectTimeoutMs = 5_000;
    private readonly Lock _scrape = new();
    private StringBuilder? _text;

    public Func<int, bool>? Collect { get; set; }

    /// <summary>Collects now and returns every metric as Prometheus text.</summary>
    public string Scrape()
    {
        lock (_scrape)
        {
            _text = new StringBuilder();
            Collect?.Invoke(CollectTimeoutMs);
            var text = _text.ToString();
            _text = null;
            return text;
        }
    }

    public override ExportResult Export(in Batch<Metric> batch)
    {
        var text = _text;
        if (text is null)
        {
            return ExportResult.Failure;
        }

        foreach (var metric in batch)
        {
            Write(text, metric);
        }

        return ExportResult.Success;
    }

    private static void Write(StringBuilder text, Metric metric)
    {
        var name = Sanitize(metric.Name);
        var type = metric.MetricType switch
        {
            MetricType.LongSum or MetricType.DoubleSum => "counter",
            MetricType.Histogram => "histogram",
            _ => "gauge",
        };
        text.Append("# HELP ").Append(name).Append(' ').Append(Escape(metric.Description, label: false)).Append('\n');
        text.Append("# TYPE ").Append(name).Append(' ').Append(type).Append('\n');
        foreach (ref readonly var point in metric.GetMetricPoints())
        {
            var labels = Labels(point.Tags);
            switch (metric.MetricType)
            {
                case MetricType.Histogram:
                    WriteHistogram(text, name, labels, point);
                    break;
                case MetricType.LongSum or MetricType.LongSumNonMonotonic:
                    Sample(text, name, labels, point.GetSumLong());
                    break;
                case MetricType.DoubleSum or MetricType.DoubleSumNonMonotonic:
                    Sample(text, name, labels, point.GetSumDouble());
                    break;
                case MetricType.LongGauge:
                    Sample(text, name, labels, point.GetGaugeLastValueLong());
                    break;
                case MetricType.DoubleGauge:
                    Sample(text, name, labels, point.GetGaugeLastValueDouble());
                    break;
            }
        }
    }

    private static void WriteHistogram(StringBuilder text, string name, string labels, in MetricPoint point)
    {
        long cumulative = 0;
        foreach (var bucket in point.GetHistogramBuckets())
        {
            cumulative += bucket.BucketCount;
            var bound = double.IsPositiveInfinity(bucket.ExplicitBound) ? "+Inf" : bucket.ExplicitBound.ToString("R", CultureInfo.InvariantCulture);
            var le = $"le=\"{bound}\"";
            Sample(text, name + "_bucket", labels.Length == 0 ? le : labels + "," + le, cumulative);
        }

        Sample(text, name + "_sum", labels, point.GetHistogramSum());
        Sample(text, name + "_count", labels, point.GetHistogramCount());
    }

    private static string Labels(ReadOnlyTagCollection tags)
    {
        var labels = new StringBuilder();
        foreach (var tag in tags)
        {
            labels.Append(labels.Length == 0 ? "" : ",").Append(Sanitize(tag.Key)).Append("=\"")
                .Append(Escape(Convert.ToString(tag.Value, CultureInfo.InvariantCulture), label: true)).Append('"');
        }

        return labels.ToString();
    }

    private static void Sample(StringBuilder text, string name, string labels, double value)
    {
        text.Append(name);
        if (labels.Length > 0)
        {
            text.Append('{').Append(labels).Append('}');
        }

        var formatted = double.IsPositiveInfinity(value) ? "+Inf" : double.IsNegativeInfinity(value) ? "-Inf" : value.ToString("R", CultureInfo.InvariantCulture);
        text.Append(' ').Append(formatted).Append('\n');
    }

    // Metric and label names: [a-zA-Z_:][a-zA-Z0-9_:]*
    private static string Sanitize(string name)
    {
        var chars = name.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            var c = chars[i];
            var ok = char.IsAsciiLetter(c) || c is '_' or ':' || (i > 0 && char.IsAsciiDigit(c));
            chars[i] = ok ? c : '_';
        }

        return new string(chars);
    }

    private static string Escape(string? value, bool label)
    {
        var escaped = (value ?? "").Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
        return label ? escaped.Replace("\"", "\\\"", StringComparison.Ordinal) : escaped;
    }
}
