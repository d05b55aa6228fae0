using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Tests.Grains;

namespace GrainLimiter.Silo.Tests.Checks;

/// <summary>The bounded cache of grain references: a full cache gives up its oldest reference for a new key, not all of them.</summary>
[Collection(LimitGrainClusterCollection.Name)]
public sealed class GrainReferenceCacheTests(LimitGrainCluster cluster)
{
    [Fact]
    public void AFullCacheDropsItsOldestReferenceForANewKeyAndKeepsTheOthers()
    {
        var cache = new GrainReferenceCache(cluster.Factory(0), capacity: 3);
        var first = cache.Get("p", "k1");
        var second = cache.Get("p", "k2");
        var third = cache.Get("p", "k3");

        Assert.Same(second, cache.Get("p", "k2"));
        cache.Get("p", "k4");

        Assert.Same(second, cache.Get("p", "k2"));
        Assert.Same(third, cache.Get("p", "k3"));
        // k1 was the oldest: it gets a new reference (to the same grain).
        var again = cache.Get("p", "k1");
        Assert.NotSame(first, again);
        Assert.Equal(first.GetGrainId(), again.GetGrainId());
    }
}
