using GrainLimiter.Benchmarks.Load.Processes;
using GrainLimiter.Client;
using GrainLimiter.Client.Orleans;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// The product path of a .NET gateway on the Orleans transport: <see cref="GrainLimiterClient"/> (deadline, circuit
/// breaker) joined as an Orleans client, each check one call to the silo's front grain, which runs the gRPC front's code.
/// A failure-mode answer counts as an error here.
/// </summary>
internal sealed class OrleansTransportContender(GrainLimiterClient client) : Contender
{
    public override string Name => "GrainLimiterClient, Orleans transport";

    public static async Task<OrleansTransportContender> ConnectAsync(SiloProcess silo, CancellationToken cancellationToken)
    {
        // A deadline roomy enough for a saturated 2-core machine: this measures throughput, not the 20 ms default.
        var client = GrainLimiterOrleansClient.Create(
            new GrainLimiterClientOptions { Deadline = TimeSpan.FromSeconds(5), ThrowWhenUnavailable = true },
            new OrleansTransportOptions { ClusterId = silo.ClusterId, Gateways = [silo.GatewayEndpoint] });
        if (await client.WarmUpAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false) == 0)
        {
            client.Dispose();
            throw new InvalidOperationException($"The Orleans client could not join the silo at {silo.GatewayEndpoint}.");
        }

        return new OrleansTransportContender(client) { Server = silo.Process };
    }

    public override async ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var policy = limit == LimitKind.Open ? SiloProcess.OpenPolicy : SiloProcess.AccuracyPolicy;
        var admitted = 0;
        foreach (var key in keys)
        {
            var decision = await client.CheckAsync(policy, key, 1, cancellationToken).ConfigureAwait(false);
            admitted += decision.Allowed ? 1 : 0;
        }

        return admitted;
    }

    public override ValueTask DisposeAsync()
    {
        client.Dispose();
        return ValueTask.CompletedTask;
    }
}
