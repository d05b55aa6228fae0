namespace GrainLimiter.Silo.Observability;

/// <summary>Every instrument the silo publishes, named as Prometheus shows them.</summary>
public static class MetricNames
{
    public const string Meter = "GrainLimiter";

    /// <summary>Decisions by <c>policy</c> and <c>result</c> (allowed, denied, shadow_denied, store_unavailable).</summary>
    public const string Decisions = "grainlimiter_decisions_total";

    /// <summary>Outcomes callers reported that an adaptive limit counted, by <c>policy</c> and <c>result</c> (success, failure).
    /// Outcomes of a policy that does not adapt are ignored, and not counted here.</summary>
    public const string ReportedOutcomes = "grainlimiter_reported_outcomes_total";

    /// <summary>Decisions whose usage reached the limit's <c>alertAt</c>, by <c>policy</c> and <c>limit</c>.</summary>
    public const string Alerts = "grainlimiter_alerts_total";

    /// <summary>Time to decide one check request (all its items), seconds.</summary>
    public const string CheckDuration = "grainlimiter_check_duration_seconds";

    public const string ActiveGrains = "grainlimiter_active_grains";

    /// <summary>Calls decided at this silo's front without an Orleans call, by <c>by</c> (<see cref="FrontDecidedByLease"/>,
    /// <see cref="FrontDecidedByDenial"/>).</summary>
    public const string FrontDecisions = "grainlimiter_front_decisions_total";

    public const string FrontDecidedByLease = Leases.LeaseHolder.DecidedByLease;

    public const string FrontDecidedByDenial = Leases.LeaseHolder.DecidedByDenial;

    /// <summary>Leases the keys of this silo granted to holders.</summary>
    public const string LeasesGranted = "grainlimiter_leases_granted_total";

    /// <summary>Lease units of this silo's keys by <c>outcome</c>: leased (charged at grant), returned (unused, credited back),
    /// stranded (unused, not credited: given back after their window, or never).</summary>
    public const string LeaseUnits = "grainlimiter_lease_units_total";

    /// <summary>Checks answered again for a request id their key had already decided (a caller's retry), charging nothing.</summary>
    public const string RepeatedRequestIds = "grainlimiter_repeated_request_ids_total";

    /// <summary>Requests refused as the caller's fault, by <c>front</c> and <c>reason</c> (<see cref="Fronts.BadRequests"/>).</summary>
    public const string BadRequests = "grainlimiter_bad_requests_total";

    /// <summary>Check requests answered as overloaded instead of decided, by <c>front</c> (http, grpc, envoy, orleans) and <c>reason</c>
    /// (<see cref="Checks.Overload.ShedReasons"/>), whichever <c>GrainLimiter:OverloadAnswer</c> answered them.</summary>
    public const string Shed = "grainlimiter_shed_total";

    /// <summary>Check requests holding a place of <c>GrainLimiter:MaxChecksInFlight</c> now.</summary>
    public const string ChecksInFlight = "grainlimiter_checks_in_flight";

    /// <summary>Grains started fresh because the store failed and their policy fails open.</summary>
    public const string ProvisionalActivations = "grainlimiter_provisional_activations_total";

    /// <summary>Grain states whose write to the store failed (they are retried).</summary>
    public const string StoreWriteFailures = "grainlimiter_store_write_failures_total";

    /// <summary>Seconds since the oldest counts a peer region has not acknowledged were queued, by <c>peer</c>; 0 when it has them all.</summary>
    public const string RegionSyncLag = "grainlimiter_region_sync_lag_seconds";

    /// <summary>Key counts pushed to a peer region and acknowledged, by <c>peer</c>.</summary>
    public const string RegionDeltasSent = "grainlimiter_region_deltas_sent_total";

    /// <summary>Key counts received from a peer region and merged, by <c>peer</c>.</summary>
    public const string RegionDeltasReceived = "grainlimiter_region_deltas_received_total";

    /// <summary>Key counts dropped because a peer's queue was full, by <c>peer</c>.</summary>
    public const string RegionDeltasDropped = "grainlimiter_region_deltas_dropped_total";

    /// <summary>1 while a peer region answers its pushes, 0 while it does not, by <c>peer</c>.</summary>
    public const string RegionPeerUp = "grainlimiter_region_peer_up";

    /// <summary>Envoy RLS hits by descriptor stats <c>key</c> (envoyproxy/ratelimit's, detailed_metric and value_to_metric
    /// applied) and <c>result</c>: within_limit, near_limit (within, above 80 % of the limit), over_limit, shadow_mode.</summary>
    public const string EnvoyDescriptorHits = "grainlimiter_envoy_descriptor_hits_total";

    /// <summary>Rate Limit Quota Service streams open on this silo.</summary>
    public const string RlqsStreams = "grainlimiter_rlqs_streams";

    /// <summary>Requests Envoys reported for RLQS buckets, by <c>bucket</c> (the quotaBuckets entry) and <c>result</c> (allowed, denied).</summary>
    public const string RlqsReportedRequests = "grainlimiter_rlqs_reported_requests_total";

    /// <summary>Per quotaBuckets entry (<c>bucket</c>), summed over its buckets active on this silo: the limit, the streams'
    /// demand per window, the live assignments, the streams.</summary>
    public const string RlqsBucketLimit = "grainlimiter_rlqs_bucket_limit";

    public const string RlqsBucketDemand = "grainlimiter_rlqs_bucket_demand";

    public const string RlqsBucketAssigned = "grainlimiter_rlqs_bucket_assigned";

    public const string RlqsBucketStreams = "grainlimiter_rlqs_bucket_streams";

    /// <summary>Streams told to abandon a bucket they reported no request for.</summary>
    public const string RlqsAbandoned = "grainlimiter_rlqs_abandoned_total";
}
