using GrainLimiter.Benchmarks.Load;

namespace GrainLimiter.Benchmarks.Tests.Load;

/// <summary>Each row is ranked against Redis + Lua under the same keys: an attack row against Lua's attack row, a leases-off row
/// against the same baseline as its twin with leases.</summary>
public class RankingTests
{
    private const string Uniform = "uniform over 100,000 keys";
    private static readonly string Attack = KeyDistribution.Attack("attack-1", 200).Label;

    [Fact]
    public void AttackRowIsRankedAgainstLuasAttackRowAndCountsItsDenials()
    {
        var lua = Row("Redis + Lua, fixed window", Uniform, decisions: 30_000, admitted: 30_000, baseline: true);
        var luaAttack = Row("Redis + Lua, fixed window", Attack, decisions: 40_000, admitted: 200, baseline: true);
        var grpc = Row("GrainLimiter gRPC Check, batch 1", Uniform, decisions: 15_000, admitted: 15_000);
        var grpcOff = Row("GrainLimiter gRPC Check, batch 1" + PhaseResult.LeasesOffSuffix, Uniform, decisions: 15_000, admitted: 15_000);
        var grpcAttack = Row("GrainLimiter gRPC Check, batch 1", Attack, decisions: 400_000, admitted: 200);

        Ranking.Apply([lua, luaAttack, grpc, grpcOff, grpcAttack]);

        Assert.Equal(10.0, grpcAttack.ThroughputVsBaseline!.Value, 6);
        Assert.Equal(0.5, grpc.ThroughputVsBaseline!.Value, 6);
        Assert.Equal(0.5, grpcOff.ThroughputVsBaseline!.Value, 6);
        Assert.Equal(0.9995, grpcAttack.DeniedShare, 6);
        Assert.Equal(0, grpc.Denied);
        Assert.False(grpcAttack.Failed); // denials are decisions, not errors
    }

    private static PhaseResult Row(string contender, string keys, long decisions, long admitted, bool baseline = false) => new()
    {
        Contender = contender,
        Distribution = keys,
        IsBaseline = baseline,
        Cores = CoreLayout.Pinned,
        Calls = decisions,
        Decisions = decisions,
        Admitted = admitted,
        Seconds = 1,
        ServerCpuUsPerDecision = 10,
    };
}
