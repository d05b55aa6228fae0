using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Algorithms;

public sealed class FixedWindowTests
{
    [Fact]
    public void WindowsAlignToTheUnixEpoch()
    {
        var algorithm = new FixedWindow(new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = 2, Window = TimeSpan.FromMinutes(1) });
        var state = new LimitState();
        var now = new DateTime(2026, 3, 14, 12, 0, 59, DateTimeKind.Utc).Ticks;

        var decision = algorithm.Check(ref state, now, 1);

        Assert.Equal(TimeSpan.FromSeconds(1), decision.ResetAfter);
    }
}
