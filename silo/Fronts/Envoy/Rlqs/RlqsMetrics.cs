using System.Diagnostics.Metrics;
using GrainLimiter.Grains.QuotaBuckets;
using GrainLimiter.Silo.Observability;

namespace GrainLimiter.Silo.Fronts.Envoy.Rlqs;

/// <summary>The Rate Limit Quota Service's instruments: streams, reported requests, and per bucket entry its limit, demand
/// and assignments (from the bucket grains of this silo).</summary>
internal sealed class RlqsMetrics
{
    private readonly Counter<long> _reported;
    private long _streams;

    public RlqsMetrics(IMeterFactory meters, QuotaBucketGauges buckets)
    {
        var meter = meters.Create(MetricNames.Meter);
        _reported = meter.CreateCounter<long>(MetricNames.RlqsReportedRequests,
            description: "Requests Envoys reported for RLQS buckets, by bucket entry and result.");
        meter.CreateObservableGauge(MetricNames.RlqsStreams, () => Interlocked.Read(ref _streams), description: "RLQS streams open on this silo.");
        meter.CreateObservableGauge(MetricNames.RlqsBucketLimit, () => Per(buckets, static b => b.Limit),
            description: "Limit of the RLQS buckets of an entry active on this silo.");
        meter.CreateObservableGauge(MetricNames.RlqsBucketDemand, () => Per(buckets, static b => b.Demand),
            description: "Demand per window the streams of these buckets report.");
        meter.CreateObservableGauge(MetricNames.RlqsBucketAssigned, () => Per(buckets, static b => b.Reserved),
            description: "Assignments in force of these buckets.");
        meter.CreateObservableGauge(MetricNames.RlqsBucketStreams, () => Per(buckets, static b => b.Streams), description: "Streams reporting these buckets.");
        meter.CreateObservableCounter(MetricNames.RlqsAbandoned, () => buckets.Abandoned,
            description: "Streams told to abandon a bucket they reported no request for.");
    }

    public void StreamOpened() => Interlocked.Increment(ref _streams);

    public void StreamClosed() => Interlocked.Decrement(ref _streams);

    public void Reported(string bucket, ulong allowed, ulong denied)
    {
        var tag = new KeyValuePair<string, object?>("bucket", bucket);
        _reported.Add((long)Math.Min(allowed, long.MaxValue), tag, new KeyValuePair<string, object?>("result", "allowed"));
        _reported.Add((long)Math.Min(denied, long.MaxValue), tag, new KeyValuePair<string, object?>("result", "denied"));
    }

    private static IEnumerable<Measurement<long>> Per(QuotaBucketGauges buckets, Func<QuotaBucketGauges.Snapshot, long> value) =>
        buckets.ByName().Select(b => new Measurement<long>(value(b), new KeyValuePair<string, object?>("bucket", b.Name)));
}
