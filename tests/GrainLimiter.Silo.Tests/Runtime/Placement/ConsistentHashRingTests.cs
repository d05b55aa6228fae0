using GrainLimiter.Silo.Runtime.Placement;

namespace GrainLimiter.Silo.Tests.Runtime.Placement;

public sealed class ConsistentHashRingTests
{
    private const int Keys = 1_000_000;

    private static ConsistentHashRing<string> Ring(int silos) =>
        new(Enumerable.Range(1, silos).Select(i => $"10.0.0.{i}:8082"), s => s);

    private static ulong KeyHash(int i) => StableHash.Of("api-free", $"user:{i}");

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(10)]
    public void AMillionKeysSpreadWithinAFewPercentOfEven(int silos)
    {
        var ring = Ring(silos);
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < Keys; i++)
        {
            var owner = ring.OwnerOf(KeyHash(i));
            counts[owner] = counts.GetValueOrDefault(owner) + 1;
        }

        var even = Keys / (double)silos;
        Assert.Equal(silos, counts.Count);
        Assert.All(counts.Values, count => Assert.InRange(count, even * 0.95, even * 1.05));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(9)]
    public void AddingTheNthSiloMovesAboutOneNthOfTheKeys(int before)
    {
        var old = Ring(before);
        var grown = Ring(before + 1);
        var newcomer = $"10.0.0.{before + 1}:8082";
        var moved = 0;
        for (var i = 0; i < Keys; i++)
        {
            var from = old.OwnerOf(KeyHash(i));
            var to = grown.OwnerOf(KeyHash(i));
            if (from != to)
            {
                moved++;
                Assert.Equal(newcomer, to);
            }
        }

        var expected = Keys / (double)(before + 1);
        Assert.InRange(moved, expected * 0.85, expected * 1.15);
    }

    [Fact]
    public void TheHashIsPinnedSoEveryProcessAgrees()
    {
        // A literal: string.GetHashCode would differ per process, this must not.
        Assert.Equal(3796259672513745821UL, StableHash.Of("api-free", "user:1"));
        Assert.NotEqual(StableHash.Of("ab", "c"), StableHash.Of("a", "bc"));
    }

    [Fact]
    public void MemberOrderDoesNotChangeOwnership()
    {
        var forward = new ConsistentHashRing<string>(["a:1", "b:1", "c:1"], s => s);
        var backward = new ConsistentHashRing<string>(["c:1", "b:1", "a:1"], s => s);

        for (var i = 0; i < 10_000; i++)
        {
            Assert.Equal(forward.OwnerOf(KeyHash(i)), backward.OwnerOf(KeyHash(i)));
        }
    }
}
