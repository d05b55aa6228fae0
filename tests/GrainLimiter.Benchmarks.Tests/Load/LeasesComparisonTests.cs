using GrainLimiter.Benchmarks.Load;

namespace GrainLimiter.Benchmarks.Tests.Load;

/// <summary>The "Leases on vs off" table: each row with leases over its leases-off twin of the same keys.</summary>
public class LeasesComparisonTests
{
    private const string Uniform = "uniform over 100,000 keys";
    private const string Zipf = "Zipf s=0.99 over 100,000 keys";

    [Fact]
    public void EachRowIsDividedByItsTwinOfTheSameKeys()
    {
        PhaseResult[] phases =
        [
            Row("GrainLimiter gRPC Check, batch 1", Uniform, decisions: 10_000, cpuUs: 50),
            Row("GrainLimiter gRPC Check, batch 1, leases off", Uniform, decisions: 8_000, cpuUs: 40),
            Row("GrainLimiter gRPC Check, batch 1", Zipf, decisions: 30_000, cpuUs: 25),
            Row("GrainLimiter gRPC Check, batch 1, leases off", Zipf, decisions: 10_000, cpuUs: 50),
            Row("Redis + Lua, fixed window", Uniform, decisions: 30_000, cpuUs: 18),
        ];

        var pairs = LeasesComparison.Pairs(phases);

        Assert.Equal([(Uniform, 1.25, 0.8), (Zipf, 3.0, 2.0)],
            pairs.Select(p => (p.Distribution, Math.Round(p.ThroughputOnVsOff!.Value, 6), Math.Round(p.PerCoreOnVsOff!.Value, 6))));
        Assert.All(pairs, p => Assert.Equal("GrainLimiter gRPC Check, batch 1", p.Contender));
    }

    [Fact]
    public void AFailedRowHasNoRatio()
    {
        PhaseResult[] phases =
        [
            Row("GrainLimiter HTTP /v1/check", Uniform, decisions: 10_000, cpuUs: 50),
            Row("GrainLimiter HTTP /v1/check, leases off", Uniform, decisions: 10_000, cpuUs: 50) with { Errors = 5_000 },
        ];

        var pair = Assert.Single(LeasesComparison.Pairs(phases));

        Assert.Null(pair.ThroughputOnVsOff);
        Assert.Null(pair.PerCoreOnVsOff);
    }

    private static PhaseResult Row(string contender, string keys, long decisions, double cpuUs) => new()
    {
        Contender = contender,
        Distribution = keys,
        Cores = CoreLayout.Pinned,
        Calls = decisions,
        Decisions = decisions,
        Admitted = decisions,
        Seconds = 1,
        ServerCpuUsPerDecision = cpuUs,
    };
}
