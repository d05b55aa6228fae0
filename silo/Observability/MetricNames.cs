namespace GrainLimiter.Silo.Observability;

/// <summary>Every instrument the silo publishes, named as Prometheus shows them.</summary>
public static class MetricNames
{
    public const string Meter = "GrainLimiter";

    /// <summary>Decisions by <c>policy</c> and <c>result</c> (allowed, denied, shadow_denied, store_unavailable).</summary>
    public const string Decisions = "grainlimiter_decisions_total";

    /// <summary>Time to decide one check request (all its items), seconds.</summary>
    public const string CheckDuration = "grainlimiter_check_duration_seconds";

    public const string ActiveGrains = "grainlimiter_active_grains";

    /// <summary>Grains started fresh because the store failed and their policy fails open.</summary>
    public const string ProvisionalActivations = "grainlimiter_provisional_activations_total";

    /// <summary>Grain states whose write to the store failed (they are retried).</summary>
    public const string StoreWriteFailures = "grainlimiter_store_write_failures_total";
}
