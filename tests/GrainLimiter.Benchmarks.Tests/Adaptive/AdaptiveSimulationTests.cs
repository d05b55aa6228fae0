using GrainLimiter.Benchmarks.Adaptive;

namespace GrainLimiter.Benchmarks.Tests.Adaptive;

/// <summary>The simulation docs/adaptive-limits.md reports (simulated time, so the figures are the same on any machine): AIMD finds the
/// upstream's capacity when it drops and again when it recovers, trading a little goodput for far fewer 429s.</summary>
public sealed class AdaptiveSimulationTests
{
    private readonly AdaptiveRun _static = AdaptiveSimulation.Run("static", AdaptiveSimulation.StaticLimit);
    private readonly AdaptiveRun _aimd = AdaptiveSimulation.Run("aimd", AdaptiveSimulation.Aimd);

    [Fact]
    public void Aimd_draws_far_fewer_429s_than_the_static_limit()
    {
        Assert.True(_static.Rejected > 1_000, $"static: {_static}");
        Assert.True(_aimd.Rejected * 5 < _static.Rejected, $"aimd {_aimd} vs static {_static}");
    }

    [Fact]
    public void Aimd_keeps_most_of_the_goodput()
    {
        Assert.True(_aimd.GoodputShare >= 0.85, $"aimd: {_aimd}");
        Assert.True(_static.GoodputShare >= _aimd.GoodputShare, $"aimd {_aimd} vs static {_static}");
    }

    [Fact]
    public void Aimd_reaches_the_dropped_capacity_and_climbs_back_after_the_recovery()
    {
        Assert.Null(_static.AdaptedAfterDrop);
        Assert.InRange(_aimd.AdaptedAfterDrop!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(15));
        Assert.InRange(_aimd.RecoveredAfterRise!.Value, TimeSpan.Zero, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void The_command_prints_a_row_per_limiter()
    {
        using var output = new StringWriter();

        Assert.Equal(0, AdaptiveCommand.Run(output));
        Assert.Equal(3, output.ToString().Split('\n').Count(static line => line.StartsWith("| static", StringComparison.Ordinal)
            || line.StartsWith("| adaptive", StringComparison.Ordinal)));
    }
}
