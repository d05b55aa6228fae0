using GrainLimiter.Benchmarks.Load.Processes;
using GrainLimiter.Client;
using GrainLimiter.Client.Orleans;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// The product's client as a .NET gateway uses it: one shared <see cref="GrainLimiterClient"/> (deadline, circuit breaker,
/// failure modes), every caller asking one check through its public <c>CheckAsync(policy, key)</c>, so the row picks up
/// whatever the client does with concurrent callers (batching, streaming). Over gRPC (the default transport) or joined to
/// the cluster as an Orleans client. An answer from the failure mode (<c>cluster_unavailable</c>) or with any other
/// failure reason counts as an error.
/// </summary>
internal sealed class GrainLimiterClientContender(string transport, GrainLimiterClient client) : Contender
{
    // Roomy enough for a saturated 2-core machine: the closed loop measures throughput, where queueing sets the latency,
    // not the 20 ms a gateway would set; an answer later than this is the failure mode's, an error.
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);

    public override string Name => $"GrainLimiterClient, {transport} transport";

    public override bool RunsLeasesOff => true;

    public static Task<GrainLimiterClientContender> ConnectGrpcAsync(SiloProcess silo, CancellationToken cancellationToken) =>
        WarmAsync("gRPC", new GrainLimiterClient(new GrainLimiterClientOptions { Deadline = Deadline, Endpoints = [silo.GrpcAddress] }),
            silo, cancellationToken);

    public static Task<GrainLimiterClientContender> ConnectOrleansAsync(SiloProcess silo, CancellationToken cancellationToken) =>
        WarmAsync("Orleans", GrainLimiterOrleansClient.Create(
            new GrainLimiterClientOptions { Deadline = Deadline },
            new OrleansTransportOptions { ClusterId = silo.ClusterId, Gateways = [silo.GatewayEndpoint] }), silo, cancellationToken);

    public override async ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var policy = SiloProcess.PolicyOf(limit);
        var admitted = 0;
        foreach (var key in keys)
        {
            var decision = await client.CheckAsync(policy, key, 1, cancellationToken).ConfigureAwait(false);
            if (decision.IsFallback || UndecidedAnswerException.IsUndecided(decision.Reason))
            {
                throw new UndecidedAnswerException(1, decision.Reason ?? "fallback");
            }

            admitted += decision.Allowed ? 1 : 0;
        }

        return admitted;
    }

    public override ValueTask DisposeAsync()
    {
        client.Dispose();
        return ValueTask.CompletedTask;
    }

    private static async Task<GrainLimiterClientContender> WarmAsync(string transport, GrainLimiterClient client, SiloProcess silo,
        CancellationToken cancellationToken)
    {
        try
        {
            return await client.WarmUpAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false) > 0
                ? new GrainLimiterClientContender(transport, client) { Servers = [silo.Process] }
                : throw new InvalidOperationException($"GrainLimiterClient over {transport} could not reach the silo.");
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }
}
