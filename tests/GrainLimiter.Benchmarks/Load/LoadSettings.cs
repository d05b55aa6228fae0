using System.Globalization;

namespace GrainLimiter.Benchmarks.Load;

/// <summary>What one <c>load</c> run does; parsed from the command line, every value bounded.</summary>
internal sealed record LoadSettings
{
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(8);

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>How long every front of the fresh silo is driven at once before the first row (<see cref="Load.SiloWarmUp"/>);
    /// zero: rows measure it cold.</summary>
    public TimeSpan SiloWarmUpTime { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Calls in flight at once, for every contender.</summary>
    public int Concurrency { get; init; } = 64;

    /// <summary>HTTP/2 connections (gRPC) and Redis connections the in-flight calls share.</summary>
    public int Connections { get; init; } = 4;

    public int Keys { get; init; } = 100_000;

    public double ZipfExponent { get; init; } = 0.99;

    /// <summary>Upper bound on calls per measured phase, whatever the duration.</summary>
    public long MaxCallsPerPhase { get; init; } = 200_000_000;

    /// <summary>Paced: calls per second for all workers together (latency from each actual send). Null: closed loop,
    /// every worker calls again as soon as its answer arrives.</summary>
    public double? Rate { get; init; }

    /// <summary>After each closed-loop phase, run the row again paced at half the calls/s it reached, for its latency
    /// (unless <see cref="Rate"/> paces every phase already).</summary>
    public bool PacedAtHalf { get; init; } = true;

    public TimeSpan PacedDuration { get; init; } = TimeSpan.FromSeconds(3);

    public TimeSpan PacedWarmup { get; init; } = TimeSpan.FromSeconds(0.5);

    /// <summary>The hot key's limit in the accuracy phase, and how many requests are fired at it.</summary>
    public int AccuracyLimit { get; init; } = 1_000;

    public int AccuracyRequests { get; init; } = 5_000;

    /// <summary>The attack phase's limit per second on its one key. Low enough that at least 95 % of the calls are denied at
    /// 4 000 calls/s or more (the slowest row of the last full run made 5 756), so most of the phase is denials.</summary>
    public int AttackLimit { get; init; } = 200;

    /// <summary>What each <see cref="LimitKind"/> allows in this run.</summary>
    public BenchLimits Limits => new(AccuracyLimit, AttackLimit);

    /// <summary>Key counts of the scale curve. Not 10M by default: an Orleans activation holds about 2.6 KB of heap, so 10M
    /// live keys in one process need about 30 GB (more than these 24 GiB machines have); ask for it with --scale.</summary>
    public IReadOnlyList<int> ScaleKeys { get; init; } = [1_000, 100_000, 1_000_000];

    /// <summary>Largest key count loaded into the silo and Redis in the scale curve; bigger counts use the in-process path only.</summary>
    public int ScaleClusterMaxKeys { get; init; } = 10_000_000;

    public TimeSpan ScaleDuration { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Contender names containing one of these run (all when empty).</summary>
    public IReadOnlyList<string> Only { get; init; } = [];

    public bool SkipScale { get; init; }

    /// <summary>Every server process on core 0 and the driver on core 1 (<see cref="Processes.CpuPinning"/>).</summary>
    public bool Pin { get; init; }

    public bool Quick { get; init; }

    public string OutputDirectory { get; init; } = "bench-results";

    /// <summary>The options as given, for the report.</summary>
    public string CommandLine { get; init; } = "";

    public static string Usage => """
        load [options]   GrainLimiter against Redis + Lua, rate-limiter-flexible and System.Threading.RateLimiting, on this machine
          --pin                   every server process on core 0, this driver (and node) on core 1; ranked per server core
          --quick                 ~2 s per row, scale curve 1k and 100k keys only (about 4½ minutes in all)
          --duration <s>          measured seconds per row: contender, distribution, leases off or attack (default 8)
          --warmup <s>            unmeasured seconds before each (default 2)
          --silo-warmup <s>       every front of the fresh silo driven at once before the first row (default 20; 0: cold)
          --concurrency <n>       calls in flight (default 64)
          --connections <n>       HTTP/2 and Redis connections (default 4)
          --keys <n>              key space of the uniform and Zipf distributions (default 100000)
          --zipf <s>              Zipf exponent (default 0.99)
          --max-calls <n>         bound on calls per phase (default 200000000)
          --attack-limit <n>      the attack phase's limit per second on its one key (default 200)
          --rate <n>              every phase paced at n calls/s in all instead of closed loop (no paced re-run)
          --paced-duration <s>    measured seconds of each row's re-run paced at half its closed-loop calls/s (default 3)
          --no-paced              no paced re-run
          --scale <list>          scale-curve key counts (default 1k,100k,1M; 10M live keys need about 30 GB)
          --scale-cluster-max <n> largest count also loaded into the silo and Redis (default 10M)
          --no-scale              skip the scale curve
          --only <a,b>            run the contenders whose name contains one of these
          --output <dir>          where results.json and results.md go (default bench-results)
          --help                  this text
        """;

    public static LoadSettings Parse(IReadOnlyList<string> args)
    {
        var settings = args.Contains("--quick")
            ? new LoadSettings
            {
                Quick = true,
                Duration = TimeSpan.FromSeconds(2),
                Warmup = TimeSpan.FromSeconds(0.5),
                SiloWarmUpTime = TimeSpan.FromSeconds(4),
                PacedDuration = TimeSpan.FromSeconds(1),
                PacedWarmup = TimeSpan.FromSeconds(0.25),
                ScaleKeys = [1_000, 100_000],
                ScaleDuration = TimeSpan.FromSeconds(1),
            }
            : new LoadSettings();
        settings = settings with { CommandLine = string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a)) };
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            settings = args[i] switch
            {
                "--quick" => settings,
                "--duration" => settings with { Duration = Seconds(Value(), "--duration") },
                "--warmup" => settings with { Warmup = Seconds(Value(), "--warmup") },
                "--silo-warmup" => settings with { SiloWarmUpTime = Seconds(Value(), "--silo-warmup", allowZero: true) },
                "--concurrency" => settings with { Concurrency = (int)Count(Value(), "--concurrency", 1, 4096) },
                "--connections" => settings with { Connections = (int)Count(Value(), "--connections", 1, 64) },
                "--keys" => settings with { Keys = (int)Count(Value(), "--keys", 1, 10_000_000) },
                "--zipf" => settings with { ZipfExponent = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--max-calls" => settings with { MaxCallsPerPhase = Count(Value(), "--max-calls", 1, long.MaxValue) },
                "--attack-limit" => settings with { AttackLimit = (int)Count(Value(), "--attack-limit", 1, 1_000_000) },
                "--rate" => settings with { Rate = Count(Value(), "--rate", 1, 100_000_000) },
                "--scale" => settings with { ScaleKeys = Value().Split(',').Select(v => (int)Count(v, "--scale", 1, 50_000_000)).ToArray() },
                "--scale-cluster-max" => settings with { ScaleClusterMaxKeys = (int)Count(Value(), "--scale-cluster-max", 0, 50_000_000) },
                "--no-scale" => settings with { SkipScale = true },
                "--no-paced" => settings with { PacedAtHalf = false },
                "--paced-duration" => settings with { PacedDuration = Seconds(Value(), "--paced-duration") },
                "--pin" => settings with { Pin = true },
                "--only" => settings with { Only = Value().Split(',', StringSplitOptions.RemoveEmptyEntries) },
                "--output" => settings with { OutputDirectory = Value() },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}"),
            };
        }

        return settings;
    }

    /// <summary>These settings for the paced phase after <paramref name="closedLoop"/>: half its calls/s.</summary>
    public LoadSettings AtHalfOf(PhaseResult closedLoop) =>
        this with { Rate = closedLoop.CallsPerSecond / 2, Duration = PacedDuration, Warmup = PacedWarmup };

    public bool Runs(string contender) =>
        Only.Count == 0 || Only.Any(o => contender.Contains(o, StringComparison.OrdinalIgnoreCase));

    internal static TimeSpan Seconds(string value, string option, bool allowZero = false)
    {
        var seconds = double.Parse(value, CultureInfo.InvariantCulture);
        return (seconds > 0 || (allowZero && seconds == 0)) && seconds <= 3600
            ? TimeSpan.FromSeconds(seconds)
            : throw new ArgumentException($"{option} must be in {(allowZero ? "[0" : "(0")}, 3600] seconds.");
    }

    /// <summary>An integer with an optional k/M suffix (1k = 1 000, 1M = 1 000 000).</summary>
    internal static long Count(string value, string option, long min, long max)
    {
        var multiplier = value[^1] switch { 'k' or 'K' => 1_000L, 'M' or 'm' => 1_000_000L, _ => 1L };
        var digits = multiplier == 1 ? value : value[..^1];
        var n = long.Parse(digits, CultureInfo.InvariantCulture) * multiplier;
        return n >= min && n <= max ? n : throw new ArgumentException($"{option} must be in {min}..{max}; got {value}.");
    }
}
