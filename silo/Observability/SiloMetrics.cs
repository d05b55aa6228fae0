using System.Diagnostics.Metrics;
using GrainLimiter.Decisions;
using GrainLimiter.Grains;

namespace GrainLimiter.Silo.Observability;

/// <summary>The silo's instruments, on one meter from <see cref="IMeterFactory"/>.</summary>
public sealed class SiloMetrics
{
    private readonly Counter<long> _decisions;
    private readonly Counter<long> _alerts;
    private readonly Histogram<double> _checkDuration;
    private readonly Counter<long> _badRequests;
    private readonly Counter<long> _frontDecisions;
    private readonly Counter<long> _reportedOutcomes;
    private readonly Counter<long> _shed;
    private readonly Meter _meter;

    public SiloMetrics(IMeterFactory meters, LimitGrainCounters catalog)
    {
        var meter = _meter = meters.Create(MetricNames.Meter);
        _decisions = meter.CreateCounter<long>(MetricNames.Decisions, description: "Decisions by policy and result.");
        _alerts = meter.CreateCounter<long>(MetricNames.Alerts, description: "Decisions whose usage reached the limit's alertAt, by policy and limit.");
        _checkDuration = meter.CreateHistogram<double>(MetricNames.CheckDuration, unit: "s", description: "Time to decide one check request.");
        _badRequests = meter.CreateCounter<long>(MetricNames.BadRequests, description: "Requests refused as the caller's fault, by front and reason.");
        _frontDecisions = meter.CreateCounter<long>(MetricNames.FrontDecisions,
            description: "Calls decided at this silo's front from a lease or a cached denial, without an Orleans call.");
        _reportedOutcomes = meter.CreateCounter<long>(MetricNames.ReportedOutcomes,
            description: "Outcomes callers reported that an adaptive limit counted, by policy and result (success, failure).");
        _shed = meter.CreateCounter<long>(MetricNames.Shed, description: "Check requests answered as overloaded instead of decided, by front and reason.");
        meter.CreateObservableCounter(MetricNames.LeasesGranted, () => catalog.LeasesGranted, description: "Leases this silo's keys granted to holders.");
        meter.CreateObservableCounter(MetricNames.LeaseUnits, () => new Measurement<long>[]
        {
            new(catalog.UnitsLeased, new KeyValuePair<string, object?>("outcome", "leased")),
            new(catalog.UnitsReturned, new KeyValuePair<string, object?>("outcome", "returned")),
            new(catalog.UnitsStranded, new KeyValuePair<string, object?>("outcome", "stranded")),
        }, description: "Lease units of this silo's keys: leased, returned unused and credited, stranded (not credited).");
        meter.CreateObservableCounter(MetricNames.RepeatedRequestIds, () => catalog.RepeatedRequestIds,
            description: "Checks this silo's keys answered again for a request id they had already decided (a retry), charging nothing.");
        meter.CreateObservableGauge(MetricNames.ActiveGrains, () => catalog.Active, description: "Grains active in this silo.");
        meter.CreateObservableCounter(MetricNames.ProvisionalActivations, () => catalog.ProvisionalActivations,
            description: "Grains started fresh because the store failed (fail-open policies).");
        meter.CreateObservableCounter(MetricNames.StoreWriteFailures, () => catalog.FailedStateWrites,
            description: "Grain states whose write to the store failed; they are retried.");
    }

    public void RecordCheck(ReadOnlySpan<CheckResult> results, TimeSpan elapsed)
    {
        _checkDuration.Record(elapsed.TotalSeconds);
        // One Add per run of items with the same policy and outcome (a batch is usually one run), not one per item:
        // each Add looks up its tag combination.
        var count = 0;
        string? policy = null;
        string? outcome = null;
        foreach (var result in results)
        {
            var itemOutcome = Outcome(result);
            if (count > 0 && (!ReferenceEquals(itemOutcome, outcome) || !string.Equals(result.Request.Policy, policy, StringComparison.Ordinal)))
            {
                AddDecisions(count, policy!, outcome!);
                count = 0;
            }

            (policy, outcome) = (result.Request.Policy, itemOutcome);
            count++;
            if (result.Decision.AlertReached)
            {
                _alerts.Add(1, new KeyValuePair<string, object?>("policy", result.Request.Policy),
                    new KeyValuePair<string, object?>("limit", result.LimitName));
            }
        }

        if (count > 0)
        {
            AddDecisions(count, policy!, outcome!);
        }
    }

    /// <summary>Counts the outcomes of <paramref name="policy"/> an adaptive limit counted, by result.</summary>
    public void RecordOutcomes(string policy, int successes, int failures)
    {
        if (successes > 0)
        {
            _reportedOutcomes.Add(successes, new KeyValuePair<string, object?>("policy", policy), new KeyValuePair<string, object?>("result", "success"));
        }

        if (failures > 0)
        {
            _reportedOutcomes.Add(failures, new KeyValuePair<string, object?>("policy", policy), new KeyValuePair<string, object?>("result", "failure"));
        }
    }

    /// <summary>Counts one call decided at the front, <paramref name="by"/> a lease or a cached denial.</summary>
    public void RecordFrontDecision(string by) => _frontDecisions.Add(1, new KeyValuePair<string, object?>("by", by));

    /// <summary>Counts one request refused as the caller's fault (labels from <see cref="Fronts.BadRequests"/>).</summary>
    public void RecordBadRequest(string front, string reason) =>
        _badRequests.Add(1, new KeyValuePair<string, object?>("front", front), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>Publishes the check requests being decided now, as <paramref name="inFlight"/> counts them.</summary>
    public void ObserveChecksInFlight(Func<long> inFlight) =>
        _meter.CreateObservableGauge(MetricNames.ChecksInFlight, inFlight,
            description: "Check requests being decided on this silo now, shed ones whose grain calls go on included.");

    /// <summary>Counts one check request shed at <paramref name="front"/> (labels from <see cref="Checks.Overload.ShedReasons"/>).</summary>
    public void RecordShed(string front, string reason) =>
        _shed.Add(1, new KeyValuePair<string, object?>("front", front), new KeyValuePair<string, object?>("reason", reason));

    private void AddDecisions(int count, string policy, string outcome) =>
        _decisions.Add(count, new KeyValuePair<string, object?>("policy", policy), new KeyValuePair<string, object?>("result", outcome));

    private static string Outcome(in CheckResult result) => result.Reason switch
    {
        DecisionReasons.ShadowMode => "shadow_denied",
        DecisionReasons.StoreUnavailable => "store_unavailable",
        _ => result.Decision.Allowed ? "allowed" : "denied",
    };
}
