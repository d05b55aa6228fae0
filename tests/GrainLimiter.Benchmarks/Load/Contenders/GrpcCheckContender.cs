using Grpc.Net.Client;
using GrainLimiter.Protocol.V1;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// GrainLimiter through gRPC <c>grainlimiter.v1.Limiter/Check</c> with Grpc.Net.Client and the generated client: a few
/// channels (one HTTP/2 connection each, h2c) shared by the calls in flight. Deliberately minimal: not the client library
/// (no deadline, failover or circuit breaker), so the row measures the wire and the silo.
/// </summary>
internal sealed class GrpcCheckContender : Contender
{
    private readonly GrpcChannel[] _channels;
    private readonly Limiter.LimiterClient[] _clients;
    private readonly int _batch;
    private int _next;

    public GrpcCheckContender(Uri silo, int batch, int connections)
    {
        _batch = batch;
        // One channel per connection: a channel opens a second HTTP/2 connection only past the server's stream limit.
        _channels = Enumerable.Range(0, connections).Select(_ => GrpcChannel.ForAddress(silo, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler
            {
                UseProxy = false,
                EnableMultipleHttp2Connections = true,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            },
        })).ToArray();
        _clients = _channels.Select(static channel => new Limiter.LimiterClient(channel)).ToArray();
    }

    public override string Name => $"GrainLimiter gRPC Check, batch {_batch}";

    public override int DecisionsPerCall => _batch;

    public override bool RunsLeasesOff => true;

    public override async ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var message = new CheckRequest();
        var policy = Processes.SiloProcess.PolicyOf(limit);
        foreach (var key in keys)
        {
            message.Checks.Add(new Hit { Policy = policy, Key = key, Cost = 1 });
        }

        var client = _clients[(uint)Interlocked.Increment(ref _next) % (uint)_clients.Length];
        // A non-OK status throws RpcException: counted as an error by the driver.
        var reply = await client.CheckAsync(message, cancellationToken: cancellationToken).ResponseAsync.ConfigureAwait(false);
        ThrowIfUndecided(reply, keys.Length);
        return reply.Allowed ? reply.Decisions.Count : 0;
    }

    /// <summary>Throws <see cref="Load.UndecidedAnswerException"/> when an item's decision carries a failure-mode reason
    /// (<c>owner_unreachable</c>, <c>store_unavailable</c>) or the answer does not hold one decision per item.</summary>
    public static void ThrowIfUndecided(CheckResponse reply, int items)
    {
        if (reply.Decisions.Count != items)
        {
            throw new InvalidOperationException($"Check answered {reply.Decisions.Count} decisions for {items} checks.");
        }

        var undecided = 0;
        string? reason = null;
        foreach (var decision in reply.Decisions)
        {
            if (UndecidedAnswerException.IsUndecided(decision.Reason))
            {
                undecided++;
                reason ??= decision.Reason;
            }
        }

        if (undecided > 0)
        {
            throw new UndecidedAnswerException(undecided, reason!);
        }
    }

    public override ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        return ValueTask.CompletedTask;
    }
}
