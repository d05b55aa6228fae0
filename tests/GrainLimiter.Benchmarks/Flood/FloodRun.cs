using System.Diagnostics;
using System.Globalization;
using GrainLimiter.Benchmarks.Load;
using GrainLimiter.Benchmarks.Load.Processes;
using GrainLimiter.Benchmarks.Traffic;

namespace GrainLimiter.Benchmarks.Flood;

/// <summary>
/// One <c>flood</c> run: a silo process on loopback (its storage as asked), the steady client on its keys, then the
/// flood of new keys; meanwhile the silo's resident memory and active grains are sampled. After the flood, the silo's
/// peak resident memory (the kernel's high-water mark) and how long its transient activations take to leave.
/// </summary>
internal static class FloodRun
{
    public const string SteadyPolicy = "steady";
    public const string FloodPolicy = "flood";
    private const int SteadyWorkers = 4;
    private static readonly TimeSpan SampleInterval = TimeSpan.FromMilliseconds(250);

    /// <summary>Both fail closed, so a failure-mode answer is a denial with its reason, counted as an error. The windows are
    /// the longest there are: no window ends during a run.</summary>
    public static string PoliciesYaml(FloodSettings settings) => $$"""
        # Written by the flood benchmark.
        policies:
          - name: {{SteadyPolicy}}
            failureMode: closed
            limits:
              - { algorithm: fixed_window, limit: {{settings.SteadyLimit.ToString(CultureInfo.InvariantCulture)}}, window: 3660d }
          - name: {{FloodPolicy}}
            failureMode: closed
            limits:
              - { algorithm: fixed_window, limit: 10, window: 3660d }
        """;

    public static async Task<FloodReport> RunAsync(FloodSettings settings, CancellationToken cancellationToken)
    {
        var startedAt = DateTimeOffset.UtcNow;
        var loadBefore = LoadReport.LoadAverage();
        var clock = Stopwatch.StartNew();
        await using var redis = settings.Storage == "redis" ? await RedisServer.StartAsync(cancellationToken).ConfigureAwait(false) : null;
        var environment = new Dictionary<string, string>
        {
            ["GrainLimiter__MaxActiveGrains"] = settings.MaxActiveGrains.ToString(CultureInfo.InvariantCulture),
        };
        if (settings.HeapLimitMiB > 0)
        {
            environment["DOTNET_GCHeapHardLimit"] = (settings.HeapLimitMiB * 1024L * 1024L).ToString("X", CultureInfo.InvariantCulture);
        }

        if (redis is not null)
        {
            environment["GrainLimiter__Storage"] = "redis";
            environment["GrainLimiter__Redis"] = redis.Endpoint;
        }

        await using var silo = await SiloProcess.StartAsync(PoliciesYaml(settings), null, environment, cancellationToken).ConfigureAwait(false);
        using var metrics = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        using var steady = new SteadyClient(silo.HttpAddress, SteadyPolicy,
            settings.SteadyKeys, settings.SteadyLimit, settings.SteadyCallsPerSecond, SteadyWorkers);
        using var stopSteady = new CancellationTokenSource();
        var steadyRun = steady.RunAsync(stopSteady.Token);

        // The steady keys are active (each called once) before the flood: the baseline the flood is measured against.
        var ready = Stopwatch.StartNew();
        while (steady.Calls < settings.SteadyKeys && ready.Elapsed < TimeSpan.FromSeconds(60) && !silo.Process.HasExited)
        {
            await Task.Delay(50, cancellationToken).ConfigureAwait(false); // polling interval
        }

        var before = ProcessStats.Of(silo.Process.Id);
        var activeBefore = await ActiveGrains.ReadAsync(metrics, silo.HttpAddress, cancellationToken).ConfigureAwait(false) ?? 0;
        long peakActive = activeBefore;
        using var stopSampling = new CancellationTokenSource();
        var sampling = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                if (await ActiveGrains.ReadAsync(metrics, silo.HttpAddress, CancellationToken.None).ConfigureAwait(false) is { } active)
                {
                    peakActive = Math.Max(peakActive, active);
                }

                try
                {
                    await Task.Delay(SampleInterval, stopSampling.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }, CancellationToken.None);

        var keyPrefix = $"flood-{startedAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture)}-";
        var flood = await FloodClient.RunAsync(silo.GrpcAddress, settings, FloodPolicy, keyPrefix, cancellationToken).ConfigureAwait(false);
        await stopSteady.CancelAsync().ConfigureAwait(false);
        await steadyRun.ConfigureAwait(false);
        await stopSampling.CancelAsync().ConfigureAwait(false);
        await sampling.ConfigureAwait(false);
        var after = ProcessStats.Of(silo.Process.Id);

        // The transient activations leave right after their call; how many are still active a little later.
        var settle = Stopwatch.StartNew();
        long? activeAfter;
        while ((activeAfter = await ActiveGrains.ReadAsync(metrics, silo.HttpAddress, cancellationToken).ConfigureAwait(false)) > settings.MaxActiveGrains
            && settle.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(SampleInterval, cancellationToken).ConfigureAwait(false);
        }

        // What the silo logged (an undecided check's exception among it), beside the report.
        Directory.CreateDirectory(settings.OutputDirectory);
        await File.WriteAllTextAsync(Path.Combine(settings.OutputDirectory, "flood-silo.log"), silo.Process.Output, CancellationToken.None)
            .ConfigureAwait(false);
        return new FloodReport
        {
            Settings = settings,
            StartedAt = startedAt,
            LoadAverageBefore = loadBefore,
            LoadAverageAfter = LoadReport.LoadAverage(),
            Flood = flood,
            Steady = steady.Result(),
            ResidentBefore = before.ResidentBytes,
            PeakResident = Math.Max(after.PeakResidentBytes, before.PeakResidentBytes),
            ResidentAfter = after.ResidentBytes,
            ActiveGrainsBefore = activeBefore,
            PeakActiveGrains = peakActive,
            ActiveGrainsAfter = activeAfter,
            SiloCrashed = silo.Process.HasExited,
            TotalSeconds = clock.Elapsed.TotalSeconds,
        };
    }
}
