using GrainLimiter.Benchmarks.Load;

namespace GrainLimiter.Benchmarks.Soak;

/// <summary>What one <c>soak</c> run does; parsed from the command line, every value bounded.</summary>
internal sealed record SoakSettings
{
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(20);

    public int Silos { get; init; } = 3;

    /// <summary>Keys per policy, drawn Zipf(<see cref="ZipfExponent"/>).</summary>
    public int Keys { get; init; } = 2_000;

    public double ZipfExponent { get; init; } = 0.99;

    /// <summary>Checks per second over every silo's front together (paced: a soak is about time, not peak throughput).</summary>
    public double CallsPerSecond { get; init; } = 500;

    public int Workers { get; init; } = 16;

    /// <summary>Where in the run (a fraction of <see cref="Duration"/>) redis-server is killed and started again on its
    /// append-only file, and where one silo is killed and a new one started. Redis first: the killed silo's keys are then
    /// read back from what the restarted Redis kept.</summary>
    public double RedisRestartAt { get; init; } = 0.3;

    public double SiloRestartAt { get; init; } = 0.5;

    public TimeSpan SampleInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The silos' write-behind period (<c>GrainLimiter:FlushInterval</c>, docs/configuration.md: default 200 ms): the counts a
    /// crash may lose.</summary>
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    public string OutputDirectory { get; init; } = "bench-results";

    public string CommandLine { get; init; } = "";

    /// <summary>The first part of the run left out of the slopes: the processes' start (JIT, heap growth) is not a leak.</summary>
    public TimeSpan WarmUp => TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(2).Ticks, Duration.Ticks / 5));

    public static string Usage => """
        soak [options]   a 3-silo cluster on Redis under mixed policies and Zipf keys; one silo and Redis restarted meanwhile
          --duration <s>        how long the traffic runs, seconds or with m (default 20m)
          --rate <n>            checks per second in all (default 500)
          --keys <n>            keys per policy, Zipf (default 2000)
          --zipf <s>            Zipf exponent (default 0.99)
          --sample <s>          seconds between two samples of every silo (default 5)
          --output <dir>        where soak.md goes (default bench-results)
        """;

    public static SoakSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new SoakSettings { CommandLine = string.Join(' ', args) };
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            settings = args[i] switch
            {
                "--duration" => settings with { Duration = Minutes(Value()) },
                "--rate" => settings with { CallsPerSecond = LoadSettings.Count(Value(), "--rate", 1, 100_000) },
                "--keys" => settings with { Keys = (int)LoadSettings.Count(Value(), "--keys", 1, 1_000_000) },
                "--zipf" => settings with { ZipfExponent = double.Parse(Value(), System.Globalization.CultureInfo.InvariantCulture) },
                "--sample" => settings with { SampleInterval = LoadSettings.Seconds(Value(), "--sample") },
                "--output" => settings with { OutputDirectory = Value() },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}"),
            };
        }

        return settings;
    }

    // "20m", "3m" or seconds; at most 24 h.
    private static TimeSpan Minutes(string value)
    {
        var duration = value.EndsWith('m')
            ? TimeSpan.FromMinutes(double.Parse(value[..^1], System.Globalization.CultureInfo.InvariantCulture))
            : TimeSpan.FromSeconds(double.Parse(value, System.Globalization.CultureInfo.InvariantCulture));
        return duration > TimeSpan.Zero && duration <= TimeSpan.FromHours(24) ? duration : throw new ArgumentException("--duration must be in (0, 24 h].");
    }
}
