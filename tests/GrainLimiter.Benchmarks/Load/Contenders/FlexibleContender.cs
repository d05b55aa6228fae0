using System.Globalization;
using System.Text.Json;
using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// rate-limiter-flexible's RateLimiterRedis on ioredis (npm), against the same redis-server, driven by
/// tests/node/flexible-bench.js at the same concurrency and key distribution. Its own process measures, this one reads
/// the JSON it prints.
/// </summary>
internal sealed class FlexibleContender(RedisServer redis) : Contender
{
    public override string Name => "rate-limiter-flexible + ioredis (node)";

    public static string Script => Path.Combine(SiloProcess.RepositoryRoot(), "tests", "node", "flexible-bench.js");

    /// <summary>Installs the node dependencies (npm ci) when they are missing; false when node or npm is not installed.</summary>
    public static async Task<bool> EnsureInstalledAsync(CancellationToken cancellationToken)
    {
        var directory = Path.Combine(SiloProcess.RepositoryRoot(), "tests", "node");
        if (Directory.Exists(Path.Combine(directory, "node_modules", "rate-limiter-flexible"))
            && Directory.Exists(Path.Combine(directory, "node_modules", "ioredis")))
        {
            return true;
        }

        try
        {
            await using var npm = ChildProcess.Start("npm ci", "npm", ["ci", "--prefix", directory, "--no-audit", "--no-fund", "--loglevel=error"]);
            return await npm.WaitForExitAsync(TimeSpan.FromMinutes(5), cancellationToken).ConfigureAwait(false) == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false; // npm is not installed
        }
    }

    public override ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken) =>
        throw new NotSupportedException("The node process drives itself; see RunAsync.");

    public override async Task<PhaseResult> RunAsync(LoadSettings settings, KeyDistribution keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var cpuBefore = ServerCpuTime();
        var (points, window) = settings.Limits.Of(limit);
        var json = await RunNodeAsync(
        [
            "--seconds", Invariant(settings.Duration.TotalSeconds), "--warmup", Invariant(settings.Warmup.TotalSeconds),
            "--concurrency", Invariant(settings.Concurrency), "--keys", Invariant(keys.Keys.Length), "--distribution", keys.Name,
            "--zipf", Invariant(settings.ZipfExponent), "--max-requests", Invariant(settings.MaxCallsPerPhase),
            "--points", Invariant(points), "--window-seconds", Invariant((long)window.TotalSeconds), "--key", keys.Keys[0],
            .. settings.Rate is { } rate ? (string[])["--rate", Invariant(rate)] : [],
        ], settings.Duration + settings.Warmup, cancellationToken).ConfigureAwait(false);
        var root = json.RootElement;
        var served = root.GetProperty("decisions").GetInt64() + root.GetProperty("warmupDecisions").GetInt64();
        var cpu = ServerCpuTime() - cpuBefore;
        return new PhaseResult
        {
            Contender = Name,
            Distribution = keys.Label,
            Cores = Cores,
            PacedCallsPerSecond = settings.Rate,
            Workers = settings.Concurrency,
            Calls = root.GetProperty("decisions").GetInt64(),
            Decisions = root.GetProperty("decisions").GetInt64(),
            Admitted = root.GetProperty("admitted").GetInt64(),
            Errors = root.GetProperty("errors").GetInt64(),
            Seconds = root.GetProperty("seconds").GetDouble(),
            P50Us = root.GetProperty("p50Ns").GetDouble() / 1000,
            P99Us = root.GetProperty("p99Ns").GetDouble() / 1000,
            P999Us = root.GetProperty("p999Ns").GetDouble() / 1000,
            // Warm-up and measured phases both ran on redis-server between the two CPU readings.
            ServerCpuUsPerDecision = cpu is { } used && served > 0 ? used.TotalMicroseconds / served : null,
        };
    }

    public override async Task<AccuracyResult> AccuracyAsync(LoadSettings settings, string hotKey, CancellationToken cancellationToken)
    {
        var json = await RunNodeAsync(
        [
            "--accuracy-key", hotKey, "--points", Invariant(settings.AccuracyLimit), "--requests", Invariant(settings.AccuracyRequests),
            "--concurrency", Invariant(settings.Concurrency),
        ], TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        var root = json.RootElement;
        return new AccuracyResult(Name, settings.AccuracyLimit, settings.AccuracyRequests,
            root.GetProperty("admitted").GetInt64(), root.GetProperty("denied").GetInt64(), root.GetProperty("error").GetInt64());
    }

    private async Task<JsonDocument> RunNodeAsync(string[] arguments, TimeSpan expected, CancellationToken cancellationToken)
    {
        await using var node = ChildProcess.Start("node", "node", [Script, "--redis", redis.Endpoint, .. arguments], core: CpuPinning.DriverCoreIfPinned);
        var exit = await node.WaitForExitAsync(expected + TimeSpan.FromSeconds(60), cancellationToken).ConfigureAwait(false);
        var line = node.Output.Split('\n').LastOrDefault(l => l.StartsWith('{'));
        return exit == 0 && line is not null
            ? JsonDocument.Parse(line)
            : throw new InvalidOperationException($"node flexible-bench.js exited with {exit}:\n{node.Output}");
    }

    private static string Invariant(IFormattable value) => value.ToString(null, CultureInfo.InvariantCulture);
}
