using GrainLimiter.Policies;

namespace GrainLimiter.Client;

/// <summary>How the client reaches the cluster and what it answers when it cannot (section <c>GrainLimiter:Client</c>).</summary>
public sealed class GrainLimiterClientOptions
{
    /// <summary>The configuration section these options bind from (environment: <c>GrainLimiter__Client__Name</c>).</summary>
    public const string Section = "GrainLimiter:Client";

    /// <summary>How the client reaches the cluster: <see cref="ClusterTransport.Grpc"/> (default, <see cref="Endpoints"/>) or
    /// <see cref="ClusterTransport.Orleans"/> (an Orleans client configured under <c>GrainLimiter:Client:Orleans</c>).</summary>
    public ClusterTransport Transport { get; set; } = ClusterTransport.Grpc;

    /// <summary>The silos' gRPC addresses (<c>http://host:8081</c>, h2c). Calls go to the first healthy one and fail over to the next.</summary>
    public List<Uri> Endpoints { get; set; } = [];

    /// <summary>Longest a decision may take, failover included; sent as <c>grpc-timeout</c>. Short by default, like Envoy's 20 ms:
    /// a gateway must not stall on its limiter.</summary>
    public TimeSpan Deadline { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Every check sent carries a fresh request id, the same on its failover to another silo, so a silo that charged it but
    /// answered too late (or whose connection broke once it was sent) is not charged twice. Such checks are decided by their keys'
    /// grains, never from a silo front's lease (a hot key then costs an Orleans call per check); false lets the fronts decide them
    /// from leases, and a failover may then charge a check twice.</summary>
    public bool RequestIds { get; set; } = true;

    /// <summary>How long one silo may take to answer a check before it is asked of the next silo (with the same request id), within
    /// <see cref="Deadline"/>; the last silo tried has what is left of it. Unset (the default): one silo may take the whole deadline.
    /// Needs <see cref="RequestIds"/>.</summary>
    public TimeSpan? AttemptTimeout { get; set; }

    /// <summary>What a policy answers when the cluster cannot: open admits (and counts it), closed denies.</summary>
    public FailureMode DefaultFailureMode { get; set; } = FailureMode.Open;

    /// <summary>Failure mode per policy name, overriding <see cref="DefaultFailureMode"/> (e.g. <c>login: Closed</c>).</summary>
    public Dictionary<string, FailureMode> FailureModes { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Retry-after given with a fail-closed denial.</summary>
    public TimeSpan FailClosedRetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Throw <see cref="ClusterUnavailableException"/> on an outage instead of applying the failure mode.</summary>
    public bool ThrowWhenUnavailable { get; set; }

    /// <summary>Fraction of failed calls within <see cref="CircuitBreakerSamplingDuration"/> that opens the circuit.</summary>
    public double CircuitBreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Calls needed within the sampling duration before the circuit may open.</summary>
    public int CircuitBreakerMinimumThroughput { get; set; } = 10;

    /// <summary>Window over which failures are counted.</summary>
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an open circuit answers from the failure mode without calling the cluster.</summary>
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Largest response message accepted.</summary>
    public int MaxMessageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Concurrent checks to one silo travel together, each still decided and answered on its own: a check asked while
    /// <see cref="MaxBatchesInFlight"/> batches are under way goes with the next batch (on the silo's CheckStream, or one CheckBatch
    /// call). An idle client sends at once, so a lone caller waits no longer. Off: one call per check.</summary>
    public bool BatchChecks { get; set; } = true;

    /// <summary>Most checks in one batch.</summary>
    public int MaxChecksPerBatch { get; set; } = 100;

    /// <summary>Batches under way at once to one silo; checks asked meanwhile wait for the next.</summary>
    public int MaxBatchesInFlight { get; set; } = 2;

    /// <summary>Longest an outcome given to <see cref="GrainLimiterClient.ReportAsync(string, string, bool, TimeSpan?, int)"/> waits before
    /// it is sent; a batch that fills (<see cref="MaxOutcomesPerReport"/>) leaves at once.</summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>Most outcomes in one Report call (the silos take at most their <c>MaxOutcomesPerReport</c>, 1000 by default).</summary>
    public int MaxOutcomesPerReport { get; set; } = 1000;

    /// <summary>Most outcomes waiting to be sent; once full, the oldest is dropped for the newest (counted: outcomes are advisory).</summary>
    public int MaxQueuedOutcomes { get; set; } = 10_000;

    /// <summary>Longest one Report call may take, failover included. Longer than <see cref="Deadline"/>: no request waits for it.</summary>
    public TimeSpan ReportDeadline { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>TLS to <c>https://</c> <see cref="Endpoints"/>: a CA file to trust besides the system store, a client certificate.</summary>
    public ClientTlsOptions Tls { get; set; } = new();

    /// <summary>Every problem with these options, each naming the setting to fix; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (Transport == ClusterTransport.Grpc && Endpoints.Count == 0)
        {
            problems.Add($"{Section}:Endpoints: at least one silo gRPC address is required (e.g. http://127.0.0.1:8081), unless Transport is orleans.");
        }

        for (var i = 0; i < Endpoints.Count; i++)
        {
            if (Endpoints[i] is not { IsAbsoluteUri: true } uri || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            {
                problems.Add($"{Section}:Endpoints:{i}: '{Endpoints[i]}' is not an absolute http:// or https:// address.");
            }
        }

        // Polly's timeout strategy accepts 10 ms .. 24 h.
        if (Deadline < TimeSpan.FromMilliseconds(10) || Deadline > TimeSpan.FromHours(24))
        {
            problems.Add($"{Section}:Deadline: {Deadline} is outside 10 ms .. 24 h.");
        }

        if (AttemptTimeout is { } attempt && (attempt < TimeSpan.FromMilliseconds(1) || attempt >= Deadline))
        {
            problems.Add($"{Section}:AttemptTimeout: {attempt} is outside 1 ms .. Deadline ({Deadline}): it must leave time for another silo.");
        }

        if (AttemptTimeout is not null && !RequestIds)
        {
            problems.Add($"{Section}:AttemptTimeout: needs RequestIds: without a request id, a check retried on another silo may be charged twice.");
        }

        if (FailClosedRetryAfter <= TimeSpan.Zero)
        {
            problems.Add($"{Section}:FailClosedRetryAfter: must be positive.");
        }

        if (CircuitBreakerFailureRatio is <= 0 or > 1)
        {
            problems.Add($"{Section}:CircuitBreakerFailureRatio: {CircuitBreakerFailureRatio} is outside (0, 1].");
        }

        if (CircuitBreakerMinimumThroughput < 2)
        {
            problems.Add($"{Section}:CircuitBreakerMinimumThroughput: must be at least 2.");
        }

        if (CircuitBreakerSamplingDuration < TimeSpan.FromMilliseconds(500) || CircuitBreakerBreakDuration < TimeSpan.FromMilliseconds(500))
        {
            problems.Add($"{Section}:CircuitBreakerSamplingDuration and CircuitBreakerBreakDuration: must be at least 500 ms.");
        }

        if (MaxMessageBytes < 1024)
        {
            problems.Add($"{Section}:MaxMessageBytes: must be at least 1024.");
        }

        // The silo takes at most MaxChecksPerBatch (1000 by default) checks in one batch.
        if (MaxChecksPerBatch is < 1 or > 1000)
        {
            problems.Add($"{Section}:MaxChecksPerBatch: {MaxChecksPerBatch} is outside 1 .. 1000.");
        }

        if (MaxBatchesInFlight is < 1 or > 64)
        {
            problems.Add($"{Section}:MaxBatchesInFlight: {MaxBatchesInFlight} is outside 1 .. 64.");
        }

        if (ReportInterval <= TimeSpan.Zero || ReportInterval > TimeSpan.FromMinutes(1))
        {
            problems.Add($"{Section}:ReportInterval: {ReportInterval} is outside (0, 1 min].");
        }

        if (MaxOutcomesPerReport is < 1 or > 1000)
        {
            problems.Add($"{Section}:MaxOutcomesPerReport: {MaxOutcomesPerReport} is outside 1 .. 1000.");
        }

        if (MaxQueuedOutcomes < MaxOutcomesPerReport || MaxQueuedOutcomes > 1_000_000)
        {
            problems.Add($"{Section}:MaxQueuedOutcomes: {MaxQueuedOutcomes} is outside MaxOutcomesPerReport ({MaxOutcomesPerReport}) .. 1000000.");
        }

        if (ReportDeadline < TimeSpan.FromMilliseconds(10) || ReportDeadline > TimeSpan.FromMinutes(1))
        {
            problems.Add($"{Section}:ReportDeadline: {ReportDeadline} is outside 10 ms .. 1 min.");
        }

        problems.AddRange(GrainLimiter.Client.Transport.TransportTls.Problems(Tls));
        return problems;
    }

    /// <summary>The failure mode of <paramref name="policy"/>.</summary>
    public FailureMode FailureModeOf(string policy) => FailureModes.TryGetValue(policy, out var mode) ? mode : DefaultFailureMode;
}
