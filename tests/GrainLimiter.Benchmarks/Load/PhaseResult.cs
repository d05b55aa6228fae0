using System.Text.Json.Serialization;

namespace GrainLimiter.Benchmarks.Load;

/// <summary>What one contender did under one key distribution: decisions, errors, call latency percentiles.</summary>
internal sealed record PhaseResult
{
    public required string Contender { get; init; }

    public required string Distribution { get; init; }

    public int DecisionsPerCall { get; init; } = 1;

    /// <summary>Calls per second asked for in a paced phase (at half the closed-loop peak); null in the closed loop.</summary>
    public double? PacedCallsPerSecond { get; init; }

    public double CallsPerSecond => Seconds > 0 ? Calls / Seconds : 0;

    /// <summary>A paced phase that did not reach 95 % of its rate: the server (or the driver) could not keep up.</summary>
    public bool BelowPace => PacedCallsPerSecond is { } asked && CallsPerSecond < 0.95 * asked;

    /// <summary>The row the others of its batch size are ranked against (<see cref="Contender.IsBaseline"/>).</summary>
    public bool IsBaseline { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<CoreLayout>))]
    public CoreLayout Cores { get; init; }

    /// <summary>Calls in flight; in-process contenders run one thread per core instead (see <see cref="Workers"/>).</summary>
    public int Workers { get; init; }

    public long Calls { get; init; }

    public long Decisions { get; init; }

    /// <summary>Decisions that admitted; the others denied (a denial is a decision, not an error).</summary>
    public long Admitted { get; init; }

    public long Denied => Decisions - Admitted;

    /// <summary>Share of the decisions that denied: none under the open limit, nearly all in the attack phase.</summary>
    public double DeniedShare => Decisions > 0 ? Denied / (double)Decisions : 0;

    /// <summary>Decisions that failed or that the key's grain did not make (see <see cref="UndecidedAnswerException"/>).</summary>
    public long Errors { get; init; }

    public string? FirstError { get; init; }

    /// <summary>Share of errors among every answer asked for: errors / (decisions + errors).</summary>
    public double ErrorRate => Decisions + Errors > 0 ? Errors / (double)(Decisions + Errors) : 0;

    /// <summary>More than <see cref="MaxErrorRate"/> of the answers were errors (or none was a decision): the row is not ranked.</summary>
    public bool Failed => ErrorRate > MaxErrorRate || Decisions == 0;

    /// <summary>Above this share of errors a row is marked FAILED.</summary>
    public const double MaxErrorRate = 0.001;

    public double Seconds { get; init; }

    public double DecisionsPerSecond => Seconds > 0 ? Decisions / Seconds : 0;

    /// <summary>Latency of one call (a batch of <see cref="DecisionsPerCall"/> decisions), in microseconds.</summary>
    public double P50Us { get; init; }

    public double P99Us { get; init; }

    public double P999Us { get; init; }

    /// <summary>CPU time the deciding server processes (silo, redis-server, both with Redis storage) spent per decision, in
    /// microseconds: robust to other load on the machine, unlike decisions/s. Null in-process.</summary>
    public double? ServerCpuUsPerDecision { get; init; }

    /// <summary>Redis-storage rows: state writes (scripts) the silo sent to Redis per decision; null for other rows.</summary>
    public double? RedisWritesPerDecision { get; init; }

    /// <summary>Redis-storage rows: every Redis command counted over the measured seconds, scripts' own commands included.</summary>
    public string? RedisWriteCommands { get; init; }

    /// <summary>The headline figure: decisions per second of server CPU (one core busy for one second).</summary>
    public double? DecisionsPerServerCoreSecond => ServerCpuUsPerDecision is > 0 and var cpu ? 1e6 / cpu : null;

    /// <summary>The baseline row this one is ranked against (same distribution, batch size and core layout); null when not ranked.</summary>
    public string? RankedAgainst { get; set; }

    /// <summary>Decisions per server-core-second over the baseline's.</summary>
    public double? PerCoreVsBaseline { get; set; }

    /// <summary>The suffix of a row's contender name when it ran under <see cref="LimitKind.OpenUnleased"/>: its twin with leases
    /// is the row named without it.</summary>
    public const string LeasesOffSuffix = ", leases off";

    /// <summary>Decisions per second over the baseline's, in the same run.</summary>
    public double? ThroughputVsBaseline { get; set; }

    /// <summary>Why a row is or is not ranked, as the tables say it.</summary>
    public string Status =>
        Failed ? "FAILED"
        : Cores == CoreLayout.OneProcess ? "not pinned: one process"
        : IsBaseline ? "baseline"
        : RankedAgainst is null ? "no baseline"
        : "ranked";
}

/// <summary>The hot-key accuracy check: requests fired at one key whose limit is exact.</summary>
internal sealed record AccuracyResult(string Contender, int Limit, int Requests, long Admitted, long Denied, long Errors)
{
    /// <summary>Exactly the limit admitted, and every answer decided by the key's grain.</summary>
    public bool Exact => Admitted == Limit && Errors == 0;
}
