namespace GrainLimiter.Benchmarks.Load;

/// <summary>What one contender did under one key distribution: decisions, errors, call latency percentiles.</summary>
internal sealed record PhaseResult
{
    public required string Contender { get; init; }

    public required string Distribution { get; init; }

    public int DecisionsPerCall { get; init; } = 1;

    /// <summary>Calls in flight; in-process contenders run one thread per core instead (see <see cref="Workers"/>).</summary>
    public int Workers { get; init; }

    public long Calls { get; init; }

    public long Decisions { get; init; }

    /// <summary>Decisions that failed or that the key's grain did not make (see <see cref="UndecidedAnswerException"/>).</summary>
    public long Errors { get; init; }

    /// <summary>Share of errors among every answer asked for: errors / (decisions + errors).</summary>
    public double ErrorRate => Decisions + Errors > 0 ? Errors / (double)(Decisions + Errors) : 0;

    /// <summary>More than <see cref="MaxErrorRate"/> of the answers were errors (or none was a decision): the row is not ranked.</summary>
    public bool Failed => ErrorRate > MaxErrorRate || Decisions == 0;

    /// <summary>Above this share of errors a row is marked FAILED.</summary>
    public const double MaxErrorRate = 0.001;

    public string? FirstError { get; init; }

    public double Seconds { get; init; }

    public double DecisionsPerSecond => Seconds > 0 ? Decisions / Seconds : 0;

    /// <summary>Latency of one call (a batch of <see cref="DecisionsPerCall"/> decisions), in microseconds.</summary>
    public double P50Us { get; init; }

    public double P99Us { get; init; }

    public double P999Us { get; init; }

    /// <summary>CPU time the deciding server process (silo, redis-server) spent per decision, in microseconds: robust to
    /// other load on the machine, unlike decisions/s. Null in-process.</summary>
    public double? ServerCpuUsPerDecision { get; init; }

    /// <summary>Decisions per second over those of Redis + Lua (fixed window) under the same distribution, in the same run.</summary>
    public double? VsRedisLua { get; set; }
}

/// <summary>The hot-key accuracy check: requests fired at one key whose limit is exact.</summary>
internal sealed record AccuracyResult(string Contender, int Limit, int Requests, long Admitted, long Denied, long Errors)
{
    /// <summary>Exactly the limit admitted, and every answer decided by the key's grain.</summary>
    public bool Exact => Admitted == Limit && Errors == 0;
}
