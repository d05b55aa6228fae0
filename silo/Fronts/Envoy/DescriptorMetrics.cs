using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using GrainLimiter.Silo.Observability;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Envoy;

/// <summary>envoyproxy/ratelimit's per-descriptor stats (<c>total_hits</c>, <c>over_limit</c>, <c>near_limit</c>,
/// <c>within_limit</c>, <c>shadow_mode</c>) as one Prometheus counter, by stats key and result.</summary>
/// <remarks>Stats keys may hold request values (detailed_metric, value_to_metric): at most
/// <see cref="EnvoyOptions.MaxMetricKeys"/> distinct ones are kept, the rest count under <see cref="OtherKey"/>.</remarks>
internal sealed class DescriptorMetrics
{
    public const string OtherKey = "_other";
    private const double NearLimitRatio = 0.8;
    private readonly Counter<long> _hits;
    private readonly ConcurrentDictionary<string, byte> _keys = new(StringComparer.Ordinal);
    private readonly int _maxKeys;

    public DescriptorMetrics(IMeterFactory meters, IOptions<EnvoyOptions> options)
    {
        _hits = meters.Create(MetricNames.Meter).CreateCounter<long>(MetricNames.EnvoyDescriptorHits,
            description: "Envoy RLS hits by descriptor stats key and result (within_limit, near_limit, over_limit, shadow_mode).");
        _maxKeys = options.Value.MaxMetricKeys;
    }

    public void Record(string statsKey, long hits, bool allowed, bool shadow, long limit, long remaining)
    {
        var result = shadow ? "shadow_mode"
            : !allowed ? "over_limit"
            : limit - remaining > limit * NearLimitRatio ? "near_limit"
            : "within_limit";
        _hits.Add(hits, new KeyValuePair<string, object?>("key", Bounded(statsKey)), new KeyValuePair<string, object?>("result", result));
    }

    private string Bounded(string key) =>
        _keys.ContainsKey(key) || (_keys.Count < _maxKeys && _keys.TryAdd(key, 0)) ? key : OtherKey;
}
