using System.Globalization;
using GrainLimiter.Client.Orleans;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Client.Tests.Fixtures;

/// <summary>One real silo (an Orleans silo co-hosted with its fronts, localhost clustering on free ports) that Orleans-transport
/// clients join through its gateway; shared by a test collection, tests use distinct keys.</summary>
public sealed class OrleansSiloFixture : IAsyncLifetime
{
    private RunningSilo? _silo;

    public RunningSilo Silo => _silo ?? throw new InvalidOperationException("not started");

    /// <summary>The silo's Orleans gateway, <c>host:port</c>.</summary>
    public string Gateway { get; } = $"127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}";

    /// <summary>A cluster id no other silo on this machine uses.</summary>
    public string ClusterId { get; } = $"client-tests-{Guid.NewGuid():N}";

    public async Task InitializeAsync() => _silo = await StartSiloAsync(Gateway, ClusterId);

    /// <summary>A silo of <paramref name="clusterId"/> whose gateway listens on <paramref name="gateway"/>.</summary>
    public static Task<RunningSilo> StartSiloAsync(string gateway, string clusterId) =>
        RunningSilo.StartAsync(TestPolicies.Yaml, new Dictionary<string, string?>
        {
            ["GrainLimiter:Cluster:ClusterId"] = clusterId,
            ["GrainLimiter:Cluster:GatewayPort"] = gateway[(gateway.LastIndexOf(':') + 1)..],
            ["GrainLimiter:Cluster:SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
        });

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }

    /// <summary>An Orleans-transport client of this silo, joined (warmed up), with a deadline roomy enough for a shared 2-core machine.</summary>
    public async Task<GrainLimiterClient> NewClientAsync(Action<GrainLimiterClientOptions>? configure = null, Action<OrleansTransportOptions>? transport = null)
    {
        var options = new GrainLimiterClientOptions { Deadline = TimeSpan.FromSeconds(5) };
        configure?.Invoke(options);
        var orleans = new OrleansTransportOptions { ClusterId = ClusterId, Gateways = [Gateway] };
        transport?.Invoke(orleans);
        var client = GrainLimiterOrleansClient.Create(options, orleans);
        Assert.Equal(1, await client.WarmUpAsync(TimeSpan.FromSeconds(30)));
        return client;
    }

    /// <summary>The gateway's configuration that picks the Orleans transport for this silo.</summary>
    public Dictionary<string, string?> GatewaySettings() => new()
    {
        ["GrainLimiter:Client:Transport"] = "orleans",
        ["GrainLimiter:Client:Deadline"] = "00:00:05",
        ["GrainLimiter:Client:Orleans:ClusterId"] = ClusterId,
        ["GrainLimiter:Client:Orleans:Gateways:0"] = Gateway,
    };
}

[CollectionDefinition(Name)]
public sealed class OrleansSiloCollection : ICollectionFixture<OrleansSiloFixture>
{
    public const string Name = "orleans-silo";
}
