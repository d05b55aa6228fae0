using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// gRPC alone: the same client and calls as <see cref="GrpcCheckContender"/> (batch 1), answered by
/// <see cref="Bare.CountingLimiterService"/> in its own process: a counter per key, no Orleans. What Kestrel's HTTP/2,
/// Grpc.AspNetCore and Grpc.Net.Client cost per unbatched call here: the ceiling of every row that decides over gRPC.
/// </summary>
internal sealed class CountingGrpcContender : Contender
{
    private readonly CountingGrpcProcess _server;
    private readonly GrpcCheckContender _calls;

    private CountingGrpcContender(CountingGrpcProcess server, int connections)
    {
        _server = server;
        _calls = new GrpcCheckContender(server.Address, 1, connections);
    }

    public override string Name => "gRPC alone (Grpc.AspNetCore, a counter per key)";

    /// <summary>Its counters have no window to reopen: a ceiling of the open rows, not an attack's.</summary>
    public override bool RunsAttack => false;

    /// <summary>Starts the server and drives it for <see cref="LoadSettings.SiloWarmUpTime"/>, as the silo is before its rows
    /// (a fresh process runs tier-0 JIT code for its first seconds under load).</summary>
    public static async Task<CountingGrpcContender> StartAsync(LoadSettings settings, CancellationToken cancellationToken)
    {
        var server = await CountingGrpcProcess.StartAsync(settings.AccuracyLimit, cancellationToken).ConfigureAwait(false);
        var contender = new CountingGrpcContender(server, settings.Connections) { Servers = [server.Process] };
        if (settings.SiloWarmUpTime > TimeSpan.Zero)
        {
            await contender.RunAsync(settings with { Warmup = TimeSpan.Zero, Duration = settings.SiloWarmUpTime },
                KeyDistribution.Uniform(settings.Keys), LimitKind.Open, cancellationToken).ConfigureAwait(false);
        }

        return contender;
    }

    public override ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken) =>
        _calls.CallAsync(keys, limit, cancellationToken);

    public override async ValueTask DisposeAsync()
    {
        await _calls.DisposeAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
    }
}
