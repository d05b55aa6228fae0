using GrainLimiter.Benchmarks.Load;
using GrainLimiter.Benchmarks.Load.Contenders;
using GrainLimiter.Benchmarks.Load.Processes;
using GrainLimiter.Config;
using GrainLimiter.Config.Envoy;
using GrainLimiter.Policies;

namespace GrainLimiter.Benchmarks.Tests.Load.Processes;

/// <summary>The files the benchmark writes for its silos load as the silo loads them, with the limits every contender counts.</summary>
public class SiloProcessTests
{
    private static readonly BenchLimits Limits = new(Accuracy: 1_000, AttackPerSecond: 200);

    [Fact]
    public void PolicyFileHasEveryLimitKindWithLeasesOffOnlyForOpenUnleased()
    {
        var policies = PolicyFileLoader.Parse(SiloProcess.PoliciesYaml(Limits), "bench").ToDictionary(p => p.Name);

        foreach (var kind in Enum.GetValues<LimitKind>())
        {
            var policy = policies[SiloProcess.PolicyOf(kind)];
            var limit = Assert.Single(policy.Limits);
            Assert.Equal(LimitAlgorithmKind.FixedWindow, limit.Algorithm);
            Assert.Equal(Limits.Of(kind), (limit.Limit, limit.Window));
            Assert.Equal(FailureMode.Closed, policy.FailureMode);
            Assert.Equal(kind != LimitKind.OpenUnleased, policy.LeasesApply);
        }
    }

    [Fact]
    public void EnvoyFileLimitsTheAttackPerSecond()
    {
        var config = EnvoyConfigLoader.Parse([("envoy.yaml", EnvoyContender.ConfigYaml(Limits))]);

        var attack = Assert.Single(config.Limits, l => l.FullKey == $"{EnvoyContender.Domain}.attack");
        Assert.Equal(200u, attack.RequestsPerUnit);
        Assert.Equal(TimeSpan.FromSeconds(1), attack.Policy!.Limits[0].Window);
        Assert.Equal(3, config.Limits.Count());
    }
}
