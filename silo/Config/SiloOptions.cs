namespace GrainLimiter.Silo.Config;

/// <summary>The <c>GrainLimiter</c> configuration section (environment: <c>GrainLimiter__Name</c>).</summary>
public sealed class SiloOptions
{
    public const string Section = "GrainLimiter";

    /// <summary>Policy file (YAML). Empty: the demo file shipped beside the silo.</summary>
    public string? PoliciesFile { get; set; }

    /// <summary>Watch the policy file and the Envoy descriptor files, reloading them when they change
    /// (<c>POST /admin/v1/policies/reload</c> works either way).</summary>
    public bool WatchPolicies { get; set; } = true;

    /// <summary>How long the watched files must stay unchanged before they are reloaded; also how often a silo looks for a reload
    /// announced by another.</summary>
    public TimeSpan PolicyReloadDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Read-write bearer token for <c>/admin</c>. With neither admin token set, admin endpoints do not exist (404).</summary>
    public string? AdminToken { get; set; }

    /// <summary>Read-only bearer token for <c>/admin</c>: every GET, no change.</summary>
    public string? AdminReadToken { get; set; }

    /// <summary><c>memory</c> (one silo, state lost on restart) or <c>redis</c>.</summary>
    public string Storage { get; set; } = "memory";

    /// <summary>Redis (storage, Redis membership): a StackExchange.Redis connection string,
    /// <c>host:port,user=...,password=...,ssl=true,sslCaFile=...</c>.</summary>
    public string? Redis { get; set; }

    /// <summary>First part of every Redis key, so several deployments can share one Redis.</summary>
    public string RedisKeyPrefix { get; set; } = "gl";

    /// <summary>This cluster's region; part of every Redis key.</summary>
    public string Region { get; set; } = "local";

    /// <summary>Activations per silo above which a new key's grain answers, writes and deactivates at once.</summary>
    public int MaxActiveGrains { get; set; } = 1_000_000;

    /// <summary>A grain untouched this long is deactivated (after its state is written): GrainCollectionOptions.CollectionAge.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a changed grain state waits before it is written behind.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a stopping silo (SIGTERM) may take to leave the cluster and write its grains: HostOptions.ShutdownTimeout.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>Also export what is measured on every call: ASP.NET Core's and Kestrel's meters, Orleans' per-message histograms.</summary>
    public bool DetailedMetrics { get; set; }

    public int MaxChecksPerRequest { get; set; } = 100;

    /// <summary>Checks in one CheckBatch call or CheckStream message, each of at most <see cref="MaxChecksPerRequest"/> items.</summary>
    public int MaxChecksPerBatch { get; set; } = 1000;

    /// <summary>Outcomes in one report (HTTP <c>POST /v1/report</c>, gRPC <c>Report</c>).</summary>
    public int MaxOutcomesPerReport { get; set; } = 1000;

    public int MaxKeyBytes { get; set; } = 256;

    public long MaxCost { get; set; } = 1_000_000_000;

    public int MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Check requests decided at once on this silo, over every front; one more (beyond <see cref="MaxQueuedChecks"/>) is shed at once.</summary>
    public int MaxChecksInFlight { get; set; } = 100_000;

    /// <summary>Check requests that wait for a place while <see cref="MaxChecksInFlight"/> are decided, each until its deadline at most.</summary>
    public int MaxQueuedChecks { get; set; }

    /// <summary>The longest a check waits for its keys' grains: the deadline of a check that brings none (HTTP), and the most a gRPC
    /// deadline is given.</summary>
    public TimeSpan CheckTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long before the caller's deadline the silo answers a check its grains have not decided, so the answer arrives in time.</summary>
    public TimeSpan DeadlineMargin { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>What a shed check answers: <see cref="Checks.Overload.OverloadAnswers.Refuse"/> (RESOURCE_EXHAUSTED, HTTP 503 with
    /// Retry-After) or <see cref="Checks.Overload.OverloadAnswers.FailureMode"/> (each policy's failure mode, reason <c>overloaded</c>).</summary>
    public string OverloadAnswer { get; set; } = Checks.Overload.OverloadAnswers.Refuse;

    /// <summary>When a refused check may be sent again (HTTP Retry-After, gRPC <c>grpc-retry-pushback-ms</c>).</summary>
    public TimeSpan OverloadRetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Requests waiting on one grain beyond which Orleans refuses more (SiloMessagingOptions.MaxEnqueuedRequestsHardLimit),
    /// shed as <c>orleans</c>; 0: no bound.</summary>
    public int MaxQueuedCallsPerKey { get; set; }

    /// <summary>Longest request id (gRPC <c>request_id</c>, HTTP <c>Idempotency-Key</c>) a check may carry, in UTF-8 bytes.</summary>
    public int MaxRequestIdBytes { get; set; } = 64;

    /// <summary>How long a key answers a repeated request id with its first answer instead of charging again: longer than any
    /// caller's deadline and retries.</summary>
    public TimeSpan RequestIdWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most request ids one key remembers within <see cref="RequestIdWindow"/>; the oldest is forgotten first.</summary>
    public int MaxRequestIdsPerKey { get; set; } = 1024;
}
