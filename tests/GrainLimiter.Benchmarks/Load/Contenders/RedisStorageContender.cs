using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// GrainLimiter as production runs it: a second silo process with <c>GrainLimiter__Storage=redis</c> on the benchmark's
/// redis-server (default flush interval, write-behind), driven as the in-memory silo's gRPC batch row is. Its server CPU is
/// the silo's and redis-server's together, and it reports the Redis writes each decision cost, from redis-server's
/// INFO commandstats around the measured seconds.
/// </summary>
internal sealed class RedisStorageContender : Contender
{
    private readonly SiloProcess _silo;
    private readonly RedisServer _redis;
    private readonly GrpcCheckContender _calls;

    private RedisStorageContender(SiloProcess silo, RedisServer redis, int batch, int connections)
    {
        _silo = silo;
        _redis = redis;
        _calls = new GrpcCheckContender(silo.GrpcAddress, batch, connections);
    }

    public override string Name => $"{_calls.Name}, Redis storage";

    public override int DecisionsPerCall => _calls.DecisionsPerCall;

    public override bool RunsLeasesOff => true;

    /// <summary>Starts the silo, activates every key of the distributions and warms it as the in-memory silo is.</summary>
    public static async Task<RedisStorageContender> StartAsync(LoadSettings settings, RedisServer redis, int batch, CancellationToken cancellationToken)
    {
        var silo = await SiloProcess.StartAsync(settings.Limits, settings.Keys * 4 + 100_000, cancellationToken, store: redis).ConfigureAwait(false);
        var contender = new RedisStorageContender(silo, redis, batch, settings.Connections) { Servers = [silo.Process, redis.Process] };
        try
        {
            foreach (var limit in (LimitKind[])[LimitKind.Open, LimitKind.OpenUnleased])
            {
                await ScaleCurve.LoadAsync(settings, contender._calls, KeyDistribution.Uniform(settings.Keys).Keys, 0, limit, cancellationToken)
                    .ConfigureAwait(false);
            }

            await SiloWarmUp.RunAsync(silo, settings, KeyDistribution.Uniform(settings.Keys), cancellationToken).ConfigureAwait(false);
            return contender;
        }
        catch
        {
            await contender.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public override ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken) =>
        _calls.CallAsync(keys, limit, cancellationToken);

    public override async Task<PhaseResult> RunAsync(LoadSettings settings, KeyDistribution keys, LimitKind limit, CancellationToken cancellationToken)
    {
        await WarmUpAsync(settings, keys, limit, cancellationToken).ConfigureAwait(false);
        var before = await _redis.CommandCallsAsync(cancellationToken).ConfigureAwait(false);
        var phase = await MeasureAsync(settings, keys, limit, cancellationToken).ConfigureAwait(false);
        var after = await _redis.CommandCallsAsync(cancellationToken).ConfigureAwait(false);
        return phase with
        {
            RedisWritesPerDecision = phase.Decisions > 0 ? StateWrites(after, before) / (double)phase.Decisions : null,
            // The commands that come with decisions (not the provider's one-off connection set-up), scripts' own included.
            RedisWriteCommands = string.Join(", ", after.Select(c => (c.Key, Calls: c.Value - before.GetValueOrDefault(c.Key)))
                .Where(c => c.Calls * 1000 >= phase.Decisions && c.Calls > 0 && c.Key != "info")
                .Select(c => $"{c.Key} {c.Calls:N0}")),
        };
    }

    public override async ValueTask DisposeAsync()
    {
        await _calls.DisposeAsync().ConfigureAwait(false);
        await _silo.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Writes the silo sent: each state write of the Orleans Redis provider is one script (EVALSHA, or EVAL the first time).</summary>
    private static long StateWrites(Dictionary<string, long> after, Dictionary<string, long> before) =>
        new[] { "evalsha", "eval" }.Sum(c => after.GetValueOrDefault(c) - before.GetValueOrDefault(c));
}
