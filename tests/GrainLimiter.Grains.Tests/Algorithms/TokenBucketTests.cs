using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Algorithms;

public sealed class TokenBucketTests : AlgorithmContractTests
{
    private static readonly LimitSpec BucketSpec =
        new() { Algorithm = LimitAlgorithmKind.TokenBucket, Limit = 7, Burst = 12, Window = TimeSpan.FromTicks(10_000_019) };

    protected override LimitSpec Spec => BucketSpec;

    protected override Type ExpectedType => typeof(TokenBucket);

    protected override void AssertWithinBound(IReadOnlyList<Admission> admitted) =>
        AssertAtMostBurstPlusRate(admitted, Spec.Capacity, Spec.Limit, Spec.Window.Ticks, a => a.Time);

    [Fact]
    public void BurstIsAvailableAtOnceThenTokensComeAtTheRate()
    {
        var algorithm = Create(limit: 2, burst: 5, TimeSpan.FromSeconds(1));
        var state = new LimitState();
        var now = Start;

        var burst = algorithm.Check(ref state, now, 5);
        algorithm.Charge(ref state, now, 5);
        var empty = algorithm.Check(ref state, now, 1);

        Assert.True(burst.Allowed);
        Assert.Equal(0, burst.Remaining);
        Assert.Equal(TimeSpan.FromSeconds(2.5), burst.ResetAfter);
        Assert.Equal(TimeSpan.FromSeconds(0.5), empty.RetryAfter);
        Assert.Equal(1, algorithm.Check(ref state, now + TimeSpan.FromSeconds(0.5).Ticks, 0).Remaining);
    }

    [Fact]
    public void SubTokenRemainderIsKeptExactly()
    {
        // 3 tokens per 10 ticks: one token every 3 1/3 ticks. Taking each token as soon as it exists, checking
        // every tick (so the bucket is never full and no accrual is capped), the bucket must hand out exactly
        // floor(3 * t / 10) tokens by tick t: rounding the refill origin up to whole ticks would lose up to a
        // tick per refill and fall behind.
        var algorithm = Create(limit: 3, burst: 2, TimeSpan.FromTicks(10));
        var state = new LimitState();
        var start = Start;
        Admit(algorithm, ref state, start, 2);
        long taken = 0;

        for (long t = 1; t <= 10_000; t++)
        {
            if (algorithm.Check(ref state, start + t, 1).Allowed)
            {
                algorithm.Charge(ref state, start + t, 1);
                taken++;
            }

            Assert.Equal(3 * t / 10, taken);
        }
    }

    [Fact]
    public void RetryAfterIsWhenTheMissingTokensAccrue()
    {
        var algorithm = Create(limit: 3, burst: 4, TimeSpan.FromTicks(10));
        var state = new LimitState();
        Admit(algorithm, ref state, Start, 4);

        var denied = algorithm.Check(ref state, Start + 1, 3);

        // Three tokens take 10 ticks from the refill origin at Start.
        Assert.Equal(TimeSpan.FromTicks(9), denied.RetryAfter);
    }

    private static TokenBucket Create(long limit, long burst, TimeSpan window) =>
        new(new LimitSpec { Algorithm = LimitAlgorithmKind.TokenBucket, Limit = limit, Burst = burst, Window = window });

    private static void Admit(LimitAlgorithm algorithm, ref LimitState state, long now, long cost)
    {
        Assert.True(algorithm.Check(ref state, now, cost).Allowed);
        algorithm.Charge(ref state, now, cost);
    }
}
