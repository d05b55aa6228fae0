using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Algorithms;

public sealed class SlidingLogTests : AlgorithmContractTests
{
    private static readonly LimitSpec LogSpec = new() { Algorithm = LimitAlgorithmKind.SlidingLog, Limit = 10, Window = TimeSpan.FromTicks(10_000_019) };

    protected override LimitSpec Spec => LogSpec;

    protected override Type ExpectedType => typeof(SlidingLog);

    protected override void AssertWithinBound(IReadOnlyList<Admission> admitted) =>
        AssertAtMostInEveryInterval(admitted, Spec.Window.Ticks, Spec.Limit, a => a.Time);

    [Fact]
    public void RetryAfterIsWhenEnoughOfTheOldestEntriesExpire()
    {
        var algorithm = Create(3, TimeSpan.FromSeconds(10));
        var state = new LimitState();
        var now = Start;
        Charge(algorithm, ref state, now, 1);
        Charge(algorithm, ref state, now + TimeSpan.FromSeconds(2).Ticks, 1);
        Charge(algorithm, ref state, now + TimeSpan.FromSeconds(4).Ticks, 1);
        now += TimeSpan.FromSeconds(5).Ticks;

        var one = algorithm.Check(ref state, now, 1);
        var two = algorithm.Check(ref state, now, 2);

        // One unit needs the entry of t = 0 gone (at 10 s), two need the one of t = 2 s gone too (at 12 s).
        Assert.Equal(TimeSpan.FromSeconds(5), one.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(7), two.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(9), one.ResetAfter);
    }

    [Fact]
    public void EntriesAreAllocatedLazilyAndGrowOnlyToTheLimit()
    {
        var algorithm = Create(1_000_000, TimeSpan.FromMinutes(1));
        var state = new LimitState();
        var now = Start;

        algorithm.Check(ref state, now, 1);
        Assert.Null(state.Entries);
        Charge(algorithm, ref state, now, 1);
        Assert.Equal(16, state.Entries!.Length);

        var small = Create(20, TimeSpan.FromMinutes(1));
        var smallState = new LimitState();
        for (var i = 0; i < 1000; i++)
        {
            now += TimeSpan.FromSeconds(1).Ticks;
            if (small.Check(ref smallState, now, 1).Allowed)
            {
                small.Charge(ref smallState, now, 1);
            }

            Assert.True(smallState.Entries!.Length <= 20);
        }
    }

    [Fact]
    public void LargeCostRecordsOneEntryPerUnit()
    {
        var algorithm = Create(100, TimeSpan.FromMinutes(1));
        var state = new LimitState();

        Charge(algorithm, ref state, Start, 60);
        Charge(algorithm, ref state, Start + 1, 40);

        Assert.Equal(100, state.Count);
        Assert.Equal(100, state.Entries!.Length);
        // The 60 units of the first request must all expire before 60 more fit.
        Assert.Equal(TimeSpan.FromMinutes(1), algorithm.Check(ref state, Start, 60).RetryAfter);
        Assert.Equal(TimeSpan.FromMinutes(1) + TimeSpan.FromTicks(1), algorithm.Check(ref state, Start, 61).RetryAfter);
    }

    private static SlidingLog Create(long limit, TimeSpan window) =>
        new(new LimitSpec { Algorithm = LimitAlgorithmKind.SlidingLog, Limit = limit, Window = window });

    private static void Charge(LimitAlgorithm algorithm, ref LimitState state, long now, long cost)
    {
        Assert.True(algorithm.Check(ref state, now, cost).Allowed);
        algorithm.Charge(ref state, now, cost);
    }
}
