using GrainLimiter.Benchmarks.Load.Processes;
using StackExchange.Redis;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// A contender that decides in the benchmark's redis-server through StackExchange.Redis. One
/// <see cref="ConnectionMultiplexer"/> per connection (each holds one interactive socket and pipelines the calls in flight
/// on it), used in turn, so it keeps the number of Redis connections the other contenders get. A batch of
/// <see cref="DecisionsPerCall"/> keys is one <see cref="IBatch"/>: every command written to the socket at once, one round
/// trip, each key decided on its own.
/// </summary>
internal abstract class RedisContender(ConnectionMultiplexer[] connections, int batch) : Contender
{
    private readonly IDatabase[] _databases = [.. connections.Select(c => c.GetDatabase())];
    private int _next;

    public override int DecisionsPerCall => batch;

    /// <summary>"" unbatched, ", pipelined batch N" otherwise: the suffix of the row's name.</summary>
    protected string Batching => batch == 1 ? "" : $", pipelined batch {batch}";

    /// <summary>Keys of this run only: a contender never counts on another's (or an earlier run's) counters.</summary>
    protected string Prefix { get; } = $"run{Environment.TickCount64}";

    /// <summary>Opens <paramref name="count"/> connections; disposes them all if one fails.</summary>
    protected static async Task<ConnectionMultiplexer[]> OpenAsync(RedisServer redis, int count, CancellationToken cancellationToken)
    {
        var opened = new List<ConnectionMultiplexer>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                opened.Add(await redis.ConnectAsync().ConfigureAwait(false));
            }

            return [.. opened];
        }
        catch
        {
            await DisposeAllAsync(opened).ConfigureAwait(false);
            throw;
        }
    }

    public override async ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var database = _databases[(uint)Interlocked.Increment(ref _next) % (uint)_databases.Length];
        if (keys.Length == 1)
        {
            return await DecideAsync(database, keys[0], limit).ConfigureAwait(false) ? 1 : 0;
        }

        var pipeline = database.CreateBatch();
        var decisions = new Task<bool>[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            decisions[i] = DecideAsync(pipeline, keys[i], limit);
        }

        pipeline.Execute();
        var admitted = 0;
        foreach (var decision in decisions)
        {
            admitted += await decision.ConfigureAwait(false) ? 1 : 0;
        }

        return admitted;
    }

    /// <summary>Queues (on a batch) or sends the commands that decide one key; true when admitted.</summary>
    protected abstract Task<bool> DecideAsync(IDatabaseAsync redis, string key, LimitKind limit);

    public override ValueTask DisposeAsync() => DisposeAllAsync(connections);

    protected static async ValueTask DisposeAllAsync(IEnumerable<ConnectionMultiplexer> opened)
    {
        foreach (var connection in opened)
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
