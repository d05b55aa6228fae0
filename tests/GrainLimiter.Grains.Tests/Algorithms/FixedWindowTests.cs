using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Algorithms;

public sealed class FixedWindowTests : AlgorithmContractTests
{
    private static readonly LimitSpec WindowSpec = new() { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = 10, Window = TimeSpan.FromTicks(10_000_019) };

    protected override LimitSpec Spec => WindowSpec;

    protected override Type ExpectedType => typeof(FixedWindow);

    protected override void AssertWithinBound(IReadOnlyList<Admission> admitted)
    {
        AssertAtMostPerAlignedWindow(admitted, Spec.Window.Ticks, Spec.Limit);
        // Across a window edge two full windows can meet.
        AssertAtMostInEveryInterval(admitted, Spec.Window.Ticks, 2 * Spec.Limit, a => a.Time);
    }

    [Fact]
    public void WindowsAlignToTheUnixEpoch()
    {
        var algorithm = new FixedWindow(new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = 2, Window = TimeSpan.FromMinutes(1) });
        var state = new LimitState();
        var now = new DateTime(2026, 3, 14, 12, 0, 59, DateTimeKind.Utc).Ticks;

        var decision = algorithm.Check(ref state, now, 1);

        Assert.Equal(TimeSpan.FromSeconds(1), decision.ResetAfter);
    }

    [Fact]
    public void NextWindowStartsEmpty()
    {
        var algorithm = new FixedWindow(new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = 2, Window = TimeSpan.FromMinutes(1) });
        var state = new LimitState();
        var now = new DateTime(2026, 3, 14, 12, 0, 30, DateTimeKind.Utc).Ticks;
        Admit(algorithm, ref state, now, 2);

        var denied = algorithm.Check(ref state, now, 1);
        var nextWindow = algorithm.Check(ref state, now + TimeSpan.FromSeconds(30).Ticks, 2);

        Assert.Equal(TimeSpan.FromSeconds(30), denied.RetryAfter);
        Assert.True(nextWindow.Allowed);
        Assert.Equal(0, nextWindow.Remaining);
    }

    private static void Admit(LimitAlgorithm algorithm, ref LimitState state, long now, long cost)
    {
        Assert.True(algorithm.Check(ref state, now, cost).Allowed);
        algorithm.Charge(ref state, now, cost);
    }
}
