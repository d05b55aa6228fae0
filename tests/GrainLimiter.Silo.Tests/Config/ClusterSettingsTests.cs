using GrainLimiter.Silo.Hosting;
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
    [InlineData("GrainLimiter:Cluster:SiloName", "$(POD_NAME)", "GrainLimiter__Cluster__SiloName")]
    [InlineData("GrainLimiter:Cluster:KubernetesHosting", "true", "GrainLimiter__Cluster__KubernetesHosting: needs GrainLimiter__Cluster__Membership 'redis'")]
    public async Task BadClusterSettingStopsTheSiloNamingIt(string setting, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            RunningSilo.StartAsync(Policies, new Dictionary<string, string?> { [setting] = value }));

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
    public async Task ALeavingSiloHasTimeToRefuseCallsBeforeItShutsDown()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningSilo.StartAsync(Policies, new Dictionary<string, string?>
        {
            ["GrainLimiter:Cluster:Membership"] = "redis",
            ["GrainLimiter:Cluster:AdvertisedIp"] = "127.0.0.1",
            ["GrainLimiter:Redis"] = "127.0.0.1:6379",
            ["GrainLimiter:Cluster:ResponseTimeout"] = "00:00:03",
            ["GrainLimiter:ShutdownTimeout"] = "00:00:04",
        }));

        Assert.Contains("GrainLimiter__ShutdownTimeout: must exceed the 00:00:04 a leaving silo spends refusing calls", error.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void KubernetesHostingNeedsThePodsVariablesAndTheClustersIds()
    {
        var pod = new Dictionary<string, string>
        {
            ["POD_NAME"] = "grainlimiter-0", ["POD_NAMESPACE"] = "limits", ["POD_IP"] = "10.1.2.3",
            ["KUBERNETES_SERVICE_HOST"] = "10.0.0.1", ["KUBERNETES_SERVICE_PORT"] = "443",
        };
        var options = new SiloClusterOptions { Membership = "redis", AdvertisedIp = "10.1.2.3", KubernetesHosting = true, ClusterId = "grainlimiter" };
        ValidateOptionsResult Validate(IReadOnlyDictionary<string, string> environment) =>
            new SiloClusterOptionsValidator(environment.GetValueOrDefault).Validate(null, options);

        Assert.True(Validate(pod).Succeeded);
        var outsideAPod = Validate(new Dictionary<string, string> { ["POD_NAME"] = "grainlimiter-0" });
        Assert.Contains("GrainLimiter__Cluster__KubernetesHosting: is true but POD_NAMESPACE, POD_IP, KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT not set",
            outsideAPod.FailureMessage, StringComparison.Ordinal);
        var otherCluster = Validate(new Dictionary<string, string>(pod) { ["ORLEANS_CLUSTER_ID"] = "other" });
        Assert.Contains("ORLEANS_CLUSTER_ID 'other' differs from GrainLimiter__Cluster__ClusterId 'grainlimiter'", otherCluster.FailureMessage,
            StringComparison.Ordinal);
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
