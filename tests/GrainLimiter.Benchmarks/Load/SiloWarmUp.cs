using GrainLimiter.Benchmarks.Load.Contenders;
using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Load;

/// <summary>
/// Brings a freshly started silo to the state of one in service before any row is measured. For its first seconds under
/// load .NET runs tier-0 and PGO-instrumented code and recompiles the hot methods in the background; on 2 shared cores
/// that takes about 15 s, during which a unary gRPC check costs several times what it costs after. The rows compare
/// steady states, so every front is driven at once for <see cref="LoadSettings.SiloWarmUpTime"/>; the first slice (unary
/// gRPC alone) is kept as the cold figure the report prints beside them.
/// </summary>
internal static class SiloWarmUp
{
    public static async Task<PhaseResult?> RunAsync(SiloProcess silo, LoadSettings settings, KeyDistribution keys, CancellationToken cancellationToken)
    {
        if (settings.SiloWarmUpTime <= TimeSpan.Zero)
        {
            return null;
        }

        var slice = settings with { Warmup = TimeSpan.Zero, Duration = settings.SiloWarmUpTime / 4 };
        await using var unary = new GrpcCheckContender(silo.GrpcAddress, 1, settings.Connections) { Servers = [silo.Process] };
        var cold = await unary.RunAsync(slice, keys, LimitKind.Open, cancellationToken).ConfigureAwait(false);

        await using var batched = new GrpcCheckContender(silo.GrpcAddress, 100, settings.Connections);
        await using var http = new HttpCheckContender(silo.HttpAddress, settings.Concurrency);
        await using var orleans = await OrleansClientContender.ConnectAsync(silo, cancellationToken).ConfigureAwait(false);
        var rest = slice with { Duration = settings.SiloWarmUpTime - slice.Duration, Concurrency = Math.Max(1, settings.Concurrency / 4) };
        Contender[] fronts = [unary, batched, http, orleans];
        await Task.WhenAll(fronts.Select(front => front.RunAsync(rest, keys, LimitKind.Open, cancellationToken))).ConfigureAwait(false);
        return cold;
    }
}
