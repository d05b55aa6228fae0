using System.Diagnostics.Metrics;
using GrainLimiter.Policies;

namespace GrainLimiter.Client.Resilience;

/// <summary>What the client counts: answers made from a failure mode, circuit openings, batches, outcomes reported and dropped. Also readable as
/// plain totals.</summary>
internal sealed class ClientMetrics : IDisposable
{
    public const string MeterName = "GrainLimiter.Client";
    private readonly Meter _meter = new(MeterName);
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _circuitOpenings;
    private readonly Histogram<int> _batchChecks;
    private readonly Counter<long> _localDecisions;
    private readonly Counter<long> _outcomesReported;
    private readonly Counter<long> _outcomesDropped;
    private long _reported;
    private long _dropped;
    private long _decidedLocally;
    private long _batches;
    private long _failOpen;
    private long _failClosed;
    private long _circuitOpened;

    public ClientMetrics()
    {
        _fallbacks = _meter.CreateCounter<long>("grainlimiter_client_fallbacks_total",
            description: "Decisions answered by the failure mode because the cluster could not answer.");
        _circuitOpenings = _meter.CreateCounter<long>("grainlimiter_client_circuit_opened_total", description: "Times the circuit to the cluster opened.");
        _batchChecks = _meter.CreateHistogram<int>("grainlimiter_client_batch_checks",
            description: "Checks per call to the cluster: concurrent checks travel together.",
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1000] });
        _localDecisions = _meter.CreateCounter<long>("grainlimiter_client_local_decisions_total",
            description: "Checks decided in this process from a lease or a cached denial its key's grain granted (by: lease, cached_denial).");
        _outcomesReported = _meter.CreateCounter<long>("grainlimiter_client_outcomes_reported_total",
            description: "Outcomes of admitted requests sent to the cluster in a report it answered.");
        _outcomesDropped = _meter.CreateCounter<long>("grainlimiter_client_outcomes_dropped_total",
            description: "Outcomes never reported (reason: queue_full, report_failed, stopped); they are advisory.");
    }

    /// <summary>Outcomes sent in a report the cluster answered.</summary>
    public long OutcomesReported => Interlocked.Read(ref _reported);

    /// <summary>Outcomes dropped: the queue was full, their report failed, or the client had stopped.</summary>
    public long OutcomesDropped => Interlocked.Read(ref _dropped);

    public void Reported(int outcomes)
    {
        Interlocked.Add(ref _reported, outcomes);
        _outcomesReported.Add(outcomes);
    }

    public void Dropped(int outcomes, string reason)
    {
        Interlocked.Add(ref _dropped, outcomes);
        _outcomesDropped.Add(outcomes, new KeyValuePair<string, object?>("reason", reason));
    }

    /// <summary>Checks decided in this process, with no call (Orleans transport with leases).</summary>
    public long LocalDecisions => Interlocked.Read(ref _decidedLocally);

    public void DecidedLocally(string by)
    {
        Interlocked.Increment(ref _decidedLocally);
        _localDecisions.Add(1, new KeyValuePair<string, object?>("by", by));
    }

    /// <summary>Calls that carried checks to the cluster (a batch, one CheckStream message, or one Check).</summary>
    public long Batches => Interlocked.Read(ref _batches);

    public void BatchSent(int checks)
    {
        Interlocked.Increment(ref _batches);
        _batchChecks.Record(checks);
    }

    public long FailOpen => Interlocked.Read(ref _failOpen);

    public long FailClosed => Interlocked.Read(ref _failClosed);

    public long CircuitOpenings => Interlocked.Read(ref _circuitOpened);

    public void Fallback(FailureMode mode)
    {
        if (mode == FailureMode.Open)
        {
            Interlocked.Increment(ref _failOpen);
            _fallbacks.Add(1, new KeyValuePair<string, object?>("mode", "open"));
        }
        else
        {
            Interlocked.Increment(ref _failClosed);
            _fallbacks.Add(1, new KeyValuePair<string, object?>("mode", "closed"));
        }
    }

    public void CircuitOpened()
    {
        Interlocked.Increment(ref _circuitOpened);
        _circuitOpenings.Add(1);
    }

    public void Dispose() => _meter.Dispose();
}
