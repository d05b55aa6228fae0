using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Tests.Config;

/// <summary>GrainLimiter:Cluster settings: bad values stop the silo naming the variable; two single silos share a machine.</summary>
public sealed class ClusterSettingsTests
{
    private const string Policies = """
        policies:
          - name: p
            limits:
              - { algorithm: fixed_window, limit: 2, window: 1h }
        """;

    [Theory]
    [InlineData("GrainLimiter:Cluster:Membership", "static", "GrainLimiter__Cluster__Membership")]
    [InlineData("GrainLimiter:Cluster:SiloPort", "0", "GrainLimiter__Cluster__SiloPort")]
    [InlineData("GrainLimiter:Cluster:ClusterId", "a b", "GrainLimiter__Cluster__ClusterId")]
    [InlineData("GrainLimiter:Cluster:ProbeTimeout", "00:00:00.001", "GrainLimiter__Cluster__ProbeTimeout")]
    [InlineData("GrainLimiter:Cluster:ResponseTimeout", "01:00:00", "GrainLimiter__Cluster__ResponseTimeout")]
    [InlineData("GrainLimiter:Cluster:Directory", "dht", "GrainLimiter__Cluster__Directory")]
    public async Task BadClusterSettingStopsTheSiloNamingIt(string setting, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningSilo.StartAsync(Policies, new Dictionary<string, string?> { [setting] = value }));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RedisMembershipNeedsAnAdvertisedIpAndARedis()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningSilo.StartAsync(Policies, new Dictionary<string, string?>
        {
            ["GrainLimiter:Cluster:Membership"] = "redis",
        }));

        Assert.Contains("GrainLimiter__Cluster__AdvertisedIp", error.Message, StringComparison.Ordinal);

        var noRedis = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningSilo.StartAsync(Policies, new Dictionary<string, string?>
        {
            ["GrainLimiter:Cluster:Membership"] = "redis",
            ["GrainLimiter:Cluster:AdvertisedIp"] = "127.0.0.1",
        }));

        Assert.Contains("GrainLimiter__Redis", noRedis.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ALeavingSiloHasMoreThanATableRefreshToShutDown()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningSilo.StartAsync(Policies, new Dictionary<string, string?>
        {
            ["GrainLimiter:Cluster:Membership"] = "redis",
            ["GrainLimiter:Cluster:AdvertisedIp"] = "127.0.0.1",
            ["GrainLimiter:Redis"] = "127.0.0.1:6379",
            ["GrainLimiter:Cluster:TableRefreshTimeout"] = "00:00:05",
            ["GrainLimiter:ShutdownTimeout"] = "00:00:05",
        }));

        Assert.Contains("GrainLimiter__ShutdownTimeout: must exceed GrainLimiter__Cluster__TableRefreshTimeout (00:00:05)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwoSingleSilosOnOneMachineCountApart()
    {
        await using var first = await RunningSilo.StartAsync(Policies);
        await using var second = await RunningSilo.StartAsync(Policies);

        await first.Http.CheckAsync("p", "k", cost: 2);

        Assert.Equal(System.Net.HttpStatusCode.TooManyRequests, (await first.Http.CheckAsync("p", "k")).StatusCode);
        Assert.Equal(System.Net.HttpStatusCode.OK, (await second.Http.CheckAsync("p", "k")).StatusCode);
    }
}
