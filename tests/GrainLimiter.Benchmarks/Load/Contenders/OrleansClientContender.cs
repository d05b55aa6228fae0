using System.Collections.Concurrent;
using System.Net;
using GrainLimiter.Benchmarks.Load.Processes;
using GrainLimiter.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Configuration;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// GrainLimiter via Orleans client: this load process joins the silo's cluster as an Orleans client (static gateway) and
/// calls each key's <see cref="ILimitGrain"/> directly, one unbatched call per decision, references cached per key.
/// No front on the way: the floor of what a .NET gateway joined to the cluster pays.
/// </summary>
internal sealed class OrleansClientContender : Contender
{
    private readonly IHost _host;
    private readonly IClusterClient _client;
    // One reference cache per limit: "bench/k1" and "accuracy/k1" are different grains.
    private readonly ConcurrentDictionary<string, ILimitGrain>[] _grains =
        [.. Enum.GetValues<LimitKind>().Select(_ => new ConcurrentDictionary<string, ILimitGrain>(StringComparer.Ordinal))];

    private OrleansClientContender(IHost host)
    {
        _host = host;
        _client = host.Services.GetRequiredService<IClusterClient>();
    }

    public override string Name => "GrainLimiter via Orleans client";

    /// <summary>Runs them, though it calls the grains directly, never as a lease holder: its ratio shows the comparison's noise.</summary>
    public override bool RunsLeasesOff => true;

    public static async Task<OrleansClientContender> ConnectAsync(SiloProcess silo, CancellationToken cancellationToken)
    {
        var host = new HostBuilder().UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(cluster =>
            {
                cluster.ClusterId = silo.ClusterId;
                cluster.ServiceId = "grainlimiter";
            });
            client.UseStaticClustering(IPEndPoint.Parse(silo.GatewayEndpoint));
        }).Build();
        await host.StartAsync(cancellationToken).ConfigureAwait(false);
        return new OrleansClientContender(host) { Servers = [silo.Process] };
    }

    public override async ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var (grains, policy) = (_grains[(int)limit], SiloProcess.PolicyOf(limit));
        var admitted = 0;
        foreach (var key in keys)
        {
            var grain = grains.TryGetValue(key, out var cached)
                ? cached
                : grains.GetOrAdd(key, _client.GetGrain<ILimitGrain>(LimitGrainKey.Encode(policy, key)));
            admitted += GrainAnswer.Admitted(await grain.AcquireAsync(1).ConfigureAwait(false));
        }

        return admitted;
    }

    public override async ValueTask DisposeAsync()
    {
        await _host.StopAsync().ConfigureAwait(false);
        _host.Dispose();
    }
}
