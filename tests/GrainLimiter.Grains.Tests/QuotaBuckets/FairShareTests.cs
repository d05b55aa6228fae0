using CsCheck;
using GrainLimiter.Grains.QuotaBuckets;

namespace GrainLimiter.Grains.Tests.QuotaBuckets;

/// <summary>Max-min fair division of a bucket's limit: properties over random limits and demands.</summary>
public sealed class FairShareTests
{
    private static readonly Gen<(long Limit, long[] Demands)> Cases =
        Gen.Select(Gen.Long[0, 10_000], Gen.Long[0, 5_000].Array[1, 12], (limit, demands) => (limit, demands));

    [Fact]
    public void SharesAddUpToTheLimitExactlyNeverMore() => Cases.Sample(c =>
    {
        var shares = FairShare.Allocate(c.Limit, c.Demands);
        Assert.All(shares, s => Assert.True(s >= 0));
        Assert.Equal(c.Limit, shares.Sum());
    });

    [Fact]
    public void OverDemandedNoStreamGetsMoreThanItAsks() => Cases.Where(c => c.Demands.Sum() >= c.Limit).Sample(c =>
    {
        var shares = FairShare.Allocate(c.Limit, c.Demands);
        for (var i = 0; i < shares.Length; i++)
        {
            Assert.True(shares[i] <= c.Demands[i], $"stream {i} got {shares[i]} for a demand of {c.Demands[i]}");
        }
    });

    [Fact]
    public void AStreamGivenLessThanItAsksHasTheLargestShareWithinOne() => Cases.Sample(c =>
    {
        var shares = FairShare.Allocate(c.Limit, c.Demands);
        var largest = shares.Max();
        for (var i = 0; i < shares.Length; i++)
        {
            if (shares[i] < c.Demands[i])
            {
                Assert.True(shares[i] >= largest - 1, $"stream {i} starved at {shares[i]} while another got {largest}");
            }
        }
    });

    [Fact]
    public void UnderDemandedEveryStreamGetsAtLeastItsDemand() => Cases.Where(c => c.Demands.Sum() <= c.Limit).Sample(c =>
    {
        var shares = FairShare.Allocate(c.Limit, c.Demands);
        Assert.All(shares.Zip(c.Demands), p => Assert.True(p.First >= p.Second));
    });

    [Theory]
    [InlineData(100, new long[] { 150, 150 }, new long[] { 50, 50 })]
    [InlineData(100, new long[] { 20, 150 }, new long[] { 20, 80 })]
    [InlineData(100, new long[] { 20, 30 }, new long[] { 45, 55 })]
    [InlineData(100, new long[] { 0, 1000, 1000 }, new long[] { 0, 50, 50 })]
    [InlineData(10, new long[] { 4, 4, 4 }, new long[] { 3, 3, 4 })]
    public void EqualDemandsSplitEvenlyAndSmallDemandsAreMetFirst(long limit, long[] demands, long[] expected) =>
        Assert.Equal(expected, FairShare.Allocate(limit, demands));
}
