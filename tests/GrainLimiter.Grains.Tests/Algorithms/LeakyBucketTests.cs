using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Algorithms;

public sealed class LeakyBucketTests : AlgorithmContractTests
{
    private static readonly LimitSpec BucketSpec = new()
    {
        Algorithm = LimitAlgorithmKind.LeakyBucket,
        Limit = 10,
        Window = TimeSpan.FromTicks(10_000_019),
        MaxWait = TimeSpan.FromTicks(10_000_019),
    };

    protected override LimitSpec Spec => BucketSpec;

    protected override Type ExpectedType => typeof(LeakyBucket);

    protected override void AssertWithinBound(IReadOnlyList<Admission> admitted)
    {
        Assert.All(admitted, a => Assert.InRange(a.ProceedsAt - a.Time, 0, Spec.MaxWait.Ticks));
        // Callers proceed at the drain rate; a burst is at most one request's cost.
        AssertAtMostBurstPlusRate(admitted, Spec.Capacity, Spec.Limit, Spec.Window.Ticks, a => a.ProceedsAt);
    }

    [Fact]
    public void WaitsGrowThenDenyPastMaxWait()
    {
        var algorithm = Create(maxWait: TimeSpan.FromMilliseconds(350));
        var state = new LimitState();
        var waits = new List<TimeSpan>();

        while (algorithm.Check(ref state, Start, 1) is { Allowed: true } decision)
        {
            waits.Add(decision.Wait);
            algorithm.Charge(ref state, Start, 1);
        }

        var denied = algorithm.Check(ref state, Start, 1);
        Assert.Equal([0, 100, 200, 300], waits.Select(w => w.TotalMilliseconds));
        Assert.Equal(TimeSpan.FromMilliseconds(50), denied.RetryAfter);
        Assert.Equal(TimeSpan.FromMilliseconds(400), denied.ResetAfter);
        var retry = algorithm.Check(ref state, Start + denied.RetryAfter.Ticks, 1);
        Assert.True(retry.Allowed);
        Assert.Equal(TimeSpan.FromMilliseconds(350), retry.Wait);
    }

    [Fact]
    public void QueueDrainsAtTheRate()
    {
        var algorithm = Create(maxWait: TimeSpan.FromSeconds(1));
        var state = new LimitState();
        for (var i = 0; i < 5; i++)
        {
            Assert.True(algorithm.Check(ref state, Start, 1).Allowed);
            algorithm.Charge(ref state, Start, 1);
        }

        var later = algorithm.Check(ref state, Start + TimeSpan.FromMilliseconds(220).Ticks, 1);

        Assert.Equal(TimeSpan.FromMilliseconds(280), later.Wait);
        Assert.Equal(TimeSpan.Zero, algorithm.Check(ref state, Start + TimeSpan.FromMilliseconds(500).Ticks, 1).Wait);
    }

    [Fact]
    public void RemainingCountsTheRequestsThatStillFitInMaxWait()
    {
        var algorithm = Create(maxWait: TimeSpan.FromMilliseconds(350));
        var state = new LimitState();

        Assert.Equal(4, algorithm.Check(ref state, Start, 0).Remaining);
        Assert.Equal(3, algorithm.Check(ref state, Start, 1).Remaining);
    }

    [Fact]
    public void ReportedLimitIsWhatAnEmptyQueueAdmitsSoRemainingNeverExceedsIt()
    {
        var algorithm = Create(TimeSpan.FromSeconds(2));
        var state = new LimitState();

        var fresh = algorithm.Check(ref state, Start, 0);
        var admitted = 0;
        while (algorithm.Check(ref state, Start, 1) is { Allowed: true } decision)
        {
            Assert.InRange(decision.Remaining, 0, decision.Limit);
            algorithm.Charge(ref state, Start, 1);
            admitted++;
        }

        // 10 per second, waits up to 2 s: waits 0, 0.1 s, ..., 2 s.
        Assert.Equal(21, fresh.Limit);
        Assert.Equal(fresh.Limit, admitted);
    }

    private static LeakyBucket Create(TimeSpan maxWait) =>
        new(new LimitSpec { Algorithm = LimitAlgorithmKind.LeakyBucket, Limit = 10, Window = TimeSpan.FromSeconds(1), MaxWait = maxWait });
}
