using CsCheck;
using GrainLimiter.Grains.Persistence;
using GrainLimiter.Grains.Regions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests;

/// <summary>A global key in several regions: admission counts own + known remote hits, merges are harmless when repeated.</summary>
public sealed class KeyLimitsGlobalCountsTests
{
    private readonly FakeTimeProvider _time = new();

    private long Now => _time.GetUtcNow().UtcTicks;

    private static CompiledPolicy Global(LimitSpec limit) =>
        new(new PolicyDefinition { Name = "plan", Limits = [limit], Scope = LimitScope.Global });

    private static LimitSpec Spec(LimitAlgorithmKind algorithm, long limit = 10) =>
        new() { Algorithm = algorithm, Limit = limit, Window = TimeSpan.FromHours(1) };

    public static TheoryData<LimitAlgorithmKind> GlobalAlgorithms =>
        [LimitAlgorithmKind.FixedWindow, LimitAlgorithmKind.SlidingWindow, LimitAlgorithmKind.Quota, LimitAlgorithmKind.TokenBucket, LimitAlgorithmKind.Gcra];

    [Theory]
    [MemberData(nameof(GlobalAlgorithms))]
    public void AdmitsOwnPlusKnownRemoteUpToTheLimit(LimitAlgorithmKind algorithm)
    {
        var policy = Global(Spec(algorithm));
        var eu = new KeyLimits("k", policy, "eu");
        var us = new KeyLimits("k", policy, "us");

        Assert.Equal(6, Enumerable.Range(0, 6).Count(_ => eu.TryAcquire(Now, 1).Allowed));
        Assert.True(us.MergeRegionCounts(Now, eu.RegionCounts()));

        Assert.Equal(4, Enumerable.Range(0, 10).Count(_ => us.TryAcquire(Now, 1).Allowed));
        eu.MergeRegionCounts(Now, us.RegionCounts());
        Assert.False(eu.TryAcquire(Now, 1).Allowed);
        Assert.Equal(0, eu.Evaluate(Now, 0).Remaining);
    }

    [Theory]
    [MemberData(nameof(GlobalAlgorithms))]
    public void DuplicateReorderedAndStaleReportsChangeNothing(LimitAlgorithmKind algorithm)
    {
        var policy = Global(Spec(algorithm, limit: 100));
        var eu = new KeyLimits("k", policy, "eu");
        var reports = new List<GlobalCounts>();
        for (var i = 0; i < 5; i++)
        {
            eu.TryAcquire(Now, 3);
            reports.Add(eu.RegionCounts());
        }

        var inOrder = new KeyLimits("k", policy, "us");
        reports.ForEach(r => inOrder.MergeRegionCounts(Now, r));
        Gen.Int.Sample(seed =>
        {
            var random = new Random(seed);
            var shuffled = new KeyLimits("k", policy, "us");
            foreach (var report in reports.Concat(reports).OrderBy(_ => random.Next()))
            {
                shuffled.MergeRegionCounts(Now, report);
            }

            Assert.Equal(inOrder.Evaluate(Now, 0).Remaining, shuffled.Evaluate(Now, 0).Remaining);
            // Every report again, and the oldest last: nothing changes.
            Assert.False(reports.Aggregate(false, (changed, r) => shuffled.MergeRegionCounts(Now, r) | changed));
        }, iter: 50);
        Assert.Equal(85, inOrder.Evaluate(Now, 0).Remaining);
    }

    [Fact]
    public void ResetInOneRegionResetsEveryRegionThatHearsOfIt()
    {
        var policy = Global(Spec(LimitAlgorithmKind.FixedWindow));
        var eu = new KeyLimits("k", policy, "eu");
        var us = new KeyLimits("k", policy, "us");
        eu.TryAcquire(Now, 4);
        us.TryAcquire(Now, 5);
        var euBeforeReset = eu.RegionCounts();
        us.MergeRegionCounts(Now, euBeforeReset);
        Assert.Equal(1, us.Evaluate(Now, 0).Remaining);

        us.Reset();
        eu.MergeRegionCounts(Now, us.RegionCounts());
        // The report from before the reset arrives late: it belongs to an older epoch.
        Assert.False(us.MergeRegionCounts(Now, euBeforeReset));

        Assert.Equal(10, eu.Evaluate(Now, 0).Remaining);
        Assert.Equal(10, us.Evaluate(Now, 0).Remaining);
        Assert.Equal(1, eu.ResetEpoch);
    }

    [Fact]
    public void WhileAPeerIsDownEachRegionAdmitsAFairShareOfWhatRemains()
    {
        var policy = Global(Spec(LimitAlgorithmKind.FixedWindow, limit: 100));
        var eu = new KeyLimits("k", policy, "eu");
        eu.TryAcquire(Now, 40);

        eu.Health = new RegionHealth(3, PartitionEpoch: 1);

        // 60 remain, 3 regions: 20 for this one until the peers answer again.
        Assert.Equal(20, Enumerable.Range(0, 60).Count(_ => eu.TryAcquire(Now, 1).Allowed));
        eu.Health = new RegionHealth(3, PartitionEpoch: 0);
        Assert.True(eu.TryAcquire(Now, 1).Allowed);
        Assert.Equal(39, eu.Evaluate(Now, 0).Remaining);
    }

    [Fact]
    public void ARegionRestartedFromAnOlderStateRecoversItsOwnCountFromAPeer()
    {
        var policy = Global(Spec(LimitAlgorithmKind.FixedWindow));
        var eu = new KeyLimits("k", policy, "eu");
        var us = new KeyLimits("k", policy, "us");
        eu.TryAcquire(Now, 7);
        us.MergeRegionCounts(Now, eu.RegionCounts());

        var restarted = new KeyLimits("k", policy, "eu");
        restarted.MergeRegionCounts(Now, us.RegionCounts());

        Assert.Equal(3, restarted.Evaluate(Now, 0).Remaining);
    }

    [Fact]
    public void ANewWindowStartsFromZeroInEveryRegion()
    {
        var policy = Global(Spec(LimitAlgorithmKind.FixedWindow));
        var eu = new KeyLimits("k", policy, "eu");
        var us = new KeyLimits("k", policy, "us");
        eu.TryAcquire(Now, 10);
        us.MergeRegionCounts(Now, eu.RegionCounts());
        Assert.False(us.TryAcquire(Now, 1).Allowed);

        _time.Advance(TimeSpan.FromHours(1));

        Assert.True(us.TryAcquire(Now, 10).Allowed);
    }

    [Theory]
    [MemberData(nameof(GlobalAlgorithms))]
    public void StateWithRegionCountsSurvivesTheCodec(LimitAlgorithmKind algorithm)
    {
        var policy = Global(Spec(algorithm));
        var eu = new KeyLimits("k", policy, "eu");
        var us = new KeyLimits("k", policy, "us");
        us.TryAcquire(Now, 3);
        eu.TryAcquire(Now, 2);
        eu.MergeRegionCounts(Now, us.RegionCounts());
        eu.Reset();
        eu.TryAcquire(Now, 4);
        us.MergeRegionCounts(Now, eu.RegionCounts());
        us.TryAcquire(Now, 1);
        eu.MergeRegionCounts(Now, us.RegionCounts());

        var restored = new KeyLimits("k", policy, "eu");
        GrainStateCodec.Read(restored, GrainStateCodec.Write(eu));

        Assert.Equal(eu.Evaluate(Now, 0).Remaining, restored.Evaluate(Now, 0).Remaining);
        Assert.Equal(5, 10 - restored.Evaluate(Now, 0).Remaining);
        Assert.Equal(1, restored.ResetEpoch);
        Assert.False(restored.MergeRegionCounts(Now, us.RegionCounts()));
    }
}
