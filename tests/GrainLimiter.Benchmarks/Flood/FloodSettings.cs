using GrainLimiter.Benchmarks.Load;

namespace GrainLimiter.Benchmarks.Flood;

/// <summary>What one <c>flood</c> run does; parsed from the command line, every value bounded.</summary>
internal sealed record FloodSettings
{
    /// <summary>Distinct new keys the flood sends, each once.</summary>
    public int Keys { get; init; } = 1_000_000;

    /// <summary>The flood stops at this time even if keys are left.</summary>
    public TimeSpan MaxDuration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The silo's <c>GrainLimiter:MaxActiveGrains</c>: a tenth of the default key count, so the flood meets it.</summary>
    public int MaxActiveGrains { get; init; } = 100_000;

    /// <summary><c>memory</c> (the embedded default) or <c>redis</c> (a redis-server the run starts).</summary>
    public string Storage { get; init; } = "memory";

    /// <summary>gRPC Check calls in flight, each naming <see cref="Batch"/> new keys.</summary>
    public int Concurrency { get; init; } = 8;

    /// <summary>The silo's GC heap hard limit in MiB (<c>DOTNET_GCHeapHardLimit</c>, as a container's memory limit sets it); 0: none.
    /// A silo that needed more would fail with OutOfMemoryException: a crash, and the run fails.</summary>
    public int HeapLimitMiB { get; init; }

    public int Batch { get; init; } = 100;

    public int SteadyKeys { get; init; } = 100;

    /// <summary>Each steady key's limit (a fixed window longer than any run): the steady client reaches it during the flood.</summary>
    public long SteadyLimit { get; init; } = 200;

    public double SteadyCallsPerSecond { get; init; } = 400;

    public string OutputDirectory { get; init; } = "bench-results";

    public string CommandLine { get; init; } = "";

    public static string Usage => """
        flood [options]   new keys only, as fast as they go, against one silo, while a steady client checks 100 keys
          --keys <n>               distinct new keys, each sent once (default 1M)
          --max-duration <s>       the flood stops then even with keys left (default 600)
          --max-active-grains <n>  the silo's GrainLimiter:MaxActiveGrains (default 100k)
          --storage <memory|redis> the silo's storage (default memory, the embedded default)
          --heap-limit <MiB>       the silo's GC heap hard limit, as a container memory limit sets it (default none)
          --concurrency <n>        gRPC Check calls in flight, each naming --batch new keys (default 8)
          --batch <n>              new keys per call, 1..100 (default 100)
          --steady-keys <n>        keys of the steady client (default 100)
          --steady-limit <n>       each steady key's limit, a fixed window longer than the run (default 200)
          --steady-rate <n>        steady calls per second (default 400)
          --output <dir>           where flood.md goes (default bench-results)
        """;

    public static FloodSettings Parse(IReadOnlyList<string> args)
    {
        var settings = new FloodSettings { CommandLine = string.Join(' ', args) };
        for (var i = 0; i < args.Count; i++)
        {
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            settings = args[i] switch
            {
                "--keys" => settings with { Keys = (int)LoadSettings.Count(Value(), "--keys", 1, 50_000_000) },
                "--max-duration" => settings with { MaxDuration = LoadSettings.Seconds(Value(), "--max-duration") },
                "--max-active-grains" => settings with { MaxActiveGrains = (int)LoadSettings.Count(Value(), "--max-active-grains", 1, 100_000_000) },
                "--storage" => settings with { Storage = StorageName(Value()) },
                "--heap-limit" => settings with { HeapLimitMiB = (int)LoadSettings.Count(Value(), "--heap-limit", 64, 1024 * 1024) },
                "--concurrency" => settings with { Concurrency = (int)LoadSettings.Count(Value(), "--concurrency", 1, 1024) },
                "--batch" => settings with { Batch = (int)LoadSettings.Count(Value(), "--batch", 1, 100) },
                "--steady-keys" => settings with { SteadyKeys = (int)LoadSettings.Count(Value(), "--steady-keys", 1, 10_000) },
                "--steady-limit" => settings with { SteadyLimit = LoadSettings.Count(Value(), "--steady-limit", 1, 1_000_000_000) },
                "--steady-rate" => settings with { SteadyCallsPerSecond = LoadSettings.Count(Value(), "--steady-rate", 1, 100_000) },
                "--output" => settings with { OutputDirectory = Value() },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'.\n{Usage}"),
            };
        }

        return settings;
    }

    private static string StorageName(string value) =>
        value is "memory" or "redis" ? value : throw new ArgumentException($"--storage must be memory or redis, not '{value}'.");
}
