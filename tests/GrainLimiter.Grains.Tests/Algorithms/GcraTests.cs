using GrainLimiter.Decisions;
using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Algorithms;

public sealed class GcraTests : AlgorithmContractTests
{
    private static readonly LimitSpec GcraSpec = new() { Algorithm = LimitAlgorithmKind.Gcra, Limit = 7, Burst = 12, Window = TimeSpan.FromTicks(10_000_019) };

    protected override LimitSpec Spec => GcraSpec;

    protected override Type ExpectedType => typeof(Gcra);

    protected override void AssertWithinBound(IReadOnlyList<Admission> admitted) =>
        AssertAtMostBurstPlusRate(admitted, Spec.Capacity, Spec.Limit, Spec.Window.Ticks, a => a.Time);

    [Theory]
    [InlineData(1, 7, 12, 10_000_019)]
    [InlineData(2, 3, 1, 10)]
    [InlineData(3, 1_000, 50, 10_000_000)]
    [InlineData(4, 10, 10, 3)]
    public void DecidesExactlyAsTheTokenBucket(int seed, long limit, long burst, long windowTicks)
    {
        var gcra = new Gcra(new LimitSpec { Algorithm = LimitAlgorithmKind.Gcra, Limit = limit, Burst = burst, Window = TimeSpan.FromTicks(windowTicks) });
        var bucket = new TokenBucket(
            new LimitSpec { Algorithm = LimitAlgorithmKind.TokenBucket, Limit = limit, Burst = burst, Window = TimeSpan.FromTicks(windowTicks) });
        var gcraState = new LimitState();
        var bucketState = new LimitState();
        var random = new Random(seed);
        var now = Start;
        var meanGap = Math.Max(1, windowTicks / limit);

        for (var step = 0; step < 5000; step++)
        {
            var roll = random.NextDouble();
            now += roll < 0.3 ? 0
                : roll < 0.95 ? random.NextInt64(0, 2 * meanGap)
                : roll < 0.98 ? random.NextInt64(0, 3 * windowTicks)
                : -random.NextInt64(0, 2 * meanGap);
            var cost = random.NextDouble() < 0.8 ? random.NextInt64(0, 3) : random.NextInt64(0, burst + 2);

            var expected = bucket.Check(ref bucketState, now, cost);
            var actual = gcra.Check(ref gcraState, now, cost);

            Assert.Equal(expected, actual);
            if (actual.Allowed)
            {
                bucket.Charge(ref bucketState, now, cost);
                gcra.Charge(ref gcraState, now, cost);
                if (random.NextDouble() < 0.05)
                {
                    bucket.Refund(ref bucketState, now, cost, 0);
                    gcra.Refund(ref gcraState, now, cost, 0);
                }
            }

            Assert.Equal(bucket.FreshAfter(in bucketState, now), gcra.FreshAfter(in gcraState, now));
        }
    }

    [Fact]
    public void BurstOfOneSpacesRequestsByTheEmissionInterval()
    {
        var gcra = new Gcra(new LimitSpec { Algorithm = LimitAlgorithmKind.Gcra, Limit = 4, Burst = 1, Window = TimeSpan.FromSeconds(1) });
        var state = new LimitState();

        Assert.True(gcra.Check(ref state, Start, 1).Allowed);
        gcra.Charge(ref state, Start, 1);
        LimitDecision denied = gcra.Check(ref state, Start, 1);

        Assert.Equal(TimeSpan.FromMilliseconds(250), denied.RetryAfter);
    }
}
