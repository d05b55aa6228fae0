using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Algorithms;

public sealed class SlidingWindowTests : AlgorithmContractTests
{
    private static readonly LimitSpec WindowSpec = new() { Algorithm = LimitAlgorithmKind.SlidingWindow, Limit = 10, Window = TimeSpan.FromTicks(10_000_019) };
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);
    private static readonly long WindowStart = new DateTime(2026, 3, 14, 12, 0, 0, DateTimeKind.Utc).Ticks;

    protected override LimitSpec Spec => WindowSpec;

    protected override Type ExpectedType => typeof(SlidingWindow);

    protected override void AssertWithinBound(IReadOnlyList<Admission> admitted)
    {
        var window = Spec.Window.Ticks;
        AssertAtMostPerAlignedWindow(admitted, window, Spec.Limit);
        // At every admission the exact weighted estimate, previous * (W - e) / W + current, is within the limit.
        var totals = admitted.GroupBy(a => WindowIndex(a.Time, window)).ToDictionary(g => g.Key, g => g.Sum(a => a.Cost));
        long current = 0, index = long.MinValue;
        foreach (var admission in admitted)
        {
            var k = WindowIndex(admission.Time, window);
            current = k == index ? current + admission.Cost : admission.Cost;
            index = k;
            var previous = totals.GetValueOrDefault(k - 1);
            var elapsed = admission.Time - DateTime.UnixEpoch.Ticks - (k * window);
            Assert.True(((Int128)previous * (window - elapsed)) + ((Int128)current * window) <= (Int128)Spec.Limit * window,
                $"estimate above the limit at {admission.Time}");
        }
    }

    [Theory]
    [InlineData(0, 2)]    // previous fully weighted: 6 + 2 = 8 used
    [InlineData(15, 3)]   // 6 * 3/4 = 4.5, rounded up to 5, + 2 = 7 used
    [InlineData(30, 5)]   // 6 * 1/2 = 3, + 2 = 5 used
    [InlineData(50, 7)]   // 6 * 1/6 = 1, + 2 = 3 used
    [InlineData(59, 7)]   // 6 * 1/60 = 0.1, rounded up to 1, + 2 = 3 used
    public void EstimateWeighsThePreviousWindowByItsOverlap(int secondsIntoWindow, long expectedRemaining)
    {
        var (algorithm, state) = PreviousSixCurrentTwo();
        var now = WindowStart + TimeSpan.FromSeconds(secondsIntoWindow).Ticks;

        var decision = algorithm.Check(ref state, now, 0);

        Assert.Equal(expectedRemaining, decision.Remaining);
    }

    [Fact]
    public void RetryAfterIsWhenThePreviousWindowHasDecayedEnough()
    {
        var algorithm = Create(10, Minute);
        var state = new LimitState();
        Admit(algorithm, ref state, WindowStart - Minute.Ticks, 10);

        var denied = algorithm.Check(ref state, WindowStart, 1);

        // 10 * (60 - x) / 60 <= 9 first holds at x = 6 s.
        Assert.Equal(TimeSpan.FromSeconds(6), denied.RetryAfter);
        var tickBefore = state;
        Assert.False(algorithm.Check(ref tickBefore, WindowStart + denied.RetryAfter.Ticks - 1, 1).Allowed);
        Assert.True(algorithm.Check(ref state, WindowStart + denied.RetryAfter.Ticks, 1).Allowed);
    }

    [Fact]
    public void RetryAfterCrossesIntoTheNextWindowWhenTheCurrentOneIsFull()
    {
        var algorithm = Create(10, Minute);
        var state = new LimitState();
        Admit(algorithm, ref state, WindowStart + TimeSpan.FromSeconds(30).Ticks, 10);

        var denied = algorithm.Check(ref state, WindowStart + TimeSpan.FromSeconds(30).Ticks, 4);

        // In the next window the 10 become the previous count: 10 * (60 - y) / 60 <= 6 first holds at y = 24 s.
        Assert.Equal(TimeSpan.FromSeconds(30 + 24), denied.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(90), denied.ResetAfter);
    }

    [Fact]
    public void OddWindowRoundsThePreviousWeightUp()
    {
        // W = 3 ticks, previous = 1: at e = 1 the weight is 2/3, counted as 1; at e = 2 it is 1/3, still 1.
        var algorithm = Create(1, TimeSpan.FromTicks(3));
        var state = new LimitState();
        var start = FixedWindow.WindowStart(WindowStart, 3);
        Admit(algorithm, ref state, start - 1, 1);

        Assert.False(algorithm.Check(ref state, start + 2, 1).Allowed);
        Assert.Equal(TimeSpan.FromTicks(1), algorithm.Check(ref state, start + 2, 1).RetryAfter);
        Assert.True(algorithm.Check(ref state, start + 3, 1).Allowed);
    }

    private static (SlidingWindow, LimitState) PreviousSixCurrentTwo()
    {
        var algorithm = Create(10, Minute);
        var state = new LimitState();
        Admit(algorithm, ref state, WindowStart - TimeSpan.FromSeconds(1).Ticks, 6);
        Admit(algorithm, ref state, WindowStart, 2);
        return (algorithm, state);
    }

    private static SlidingWindow Create(long limit, TimeSpan window) =>
        new(new LimitSpec { Algorithm = LimitAlgorithmKind.SlidingWindow, Limit = limit, Window = window });

    private static void Admit(LimitAlgorithm algorithm, ref LimitState state, long now, long cost)
    {
        Assert.True(algorithm.Check(ref state, now, cost).Allowed);
        algorithm.Charge(ref state, now, cost);
    }

    private static long WindowIndex(long time, long window) => Math.DivRem(time - DateTime.UnixEpoch.Ticks, window).Quotient;
}
