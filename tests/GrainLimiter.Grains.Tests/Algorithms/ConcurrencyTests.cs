using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Algorithms;

public sealed class ConcurrencyTests : AlgorithmContractTests
{
    private static readonly LimitSpec LeaseSpec = new() { Algorithm = LimitAlgorithmKind.Concurrency, Limit = 10, LeaseTtl = TimeSpan.FromTicks(10_000_019) };
    private static readonly TimeSpan Ttl = TimeSpan.FromSeconds(30);

    protected override LimitSpec Spec => LeaseSpec;

    protected override Type ExpectedType => typeof(Concurrency);

    protected override long TimeScale => Spec.LeaseTtl.Ticks;

    // Leases are never released here: each holds its units for exactly the TTL.
    protected override void AssertWithinBound(IReadOnlyList<Admission> admitted) =>
        AssertAtMostInEveryInterval(admitted, Spec.LeaseTtl.Ticks, Spec.Limit, a => a.Time);

    [Fact]
    public void ReleasingALeaseFreesItsUnits()
    {
        var algorithm = Create(3);
        var state = new LimitState();
        var first = Lease(algorithm, ref state, Start, 2);
        var second = Lease(algorithm, ref state, Start, 1);
        Assert.False(algorithm.Check(ref state, Start, 1).Allowed);

        algorithm.Refund(ref state, Start, 2, first);

        Assert.NotEqual(first, second);
        Assert.Equal(2, algorithm.Check(ref state, Start, 0).Remaining);
        Assert.Equal(1, state.Count);
    }

    [Fact]
    public void ExpiredLeasesFreeTheirUnits()
    {
        var algorithm = Create(2);
        var state = new LimitState();
        Lease(algorithm, ref state, Start, 1);
        Lease(algorithm, ref state, Start + TimeSpan.FromSeconds(10).Ticks, 1);

        var denied = algorithm.Check(ref state, Start + TimeSpan.FromSeconds(20).Ticks, 2);

        // Two units need both leases gone: the second expires at 40 s.
        Assert.Equal(TimeSpan.FromSeconds(20), denied.RetryAfter);
        Assert.Equal(TimeSpan.FromSeconds(10), algorithm.Check(ref state, Start + TimeSpan.FromSeconds(20).Ticks, 1).RetryAfter);
        Assert.Equal(1, algorithm.Check(ref state, Start + Ttl.Ticks, 0).Remaining);
        Assert.Equal(2, algorithm.Check(ref state, Start + TimeSpan.FromSeconds(40).Ticks, 0).Remaining);
    }

    [Fact]
    public void ReleasingAnExpiredOrUnknownLeaseChangesNothing()
    {
        var algorithm = Create(3);
        var state = new LimitState();
        var old = Lease(algorithm, ref state, Start, 1);
        var now = Start + Ttl.Ticks;
        var current = Lease(algorithm, ref state, now, 1);

        algorithm.Refund(ref state, now, 1, old);
        algorithm.Refund(ref state, now, 1, current + 12345);

        Assert.Equal(2, algorithm.Check(ref state, now, 0).Remaining);
    }

    [Fact]
    public void LeaseIdsKeepGrowingAcrossAStateThatWentFresh()
    {
        var algorithm = Create(3);
        var state = new LimitState();
        var old = Lease(algorithm, ref state, Start, 1);
        var later = Start + (2 * Ttl.Ticks);

        // The state expired from the store and is loaded fresh.
        var fresh = new LimitState();
        var current = Lease(algorithm, ref fresh, later, 1);
        algorithm.Refund(ref fresh, later, 1, old);

        Assert.True(current > old);
        Assert.Equal(2, algorithm.Check(ref fresh, later, 0).Remaining);
    }

    [Fact]
    public void ReleasesInAnyOrderKeepTheOthersHeld()
    {
        var algorithm = Create(50);
        var state = new LimitState();
        var random = new Random(7);
        var held = new List<(long Id, long Cost)>();
        var now = Start;
        for (var step = 0; step < 2000; step++)
        {
            now += 1;
            if (held.Count > 0 && random.NextDouble() < 0.5)
            {
                var index = random.Next(held.Count);
                algorithm.Refund(ref state, now, held[index].Cost, held[index].Id);
                held.RemoveAt(index);
            }
            else
            {
                var cost = random.NextInt64(1, 4);
                if (algorithm.Check(ref state, now, cost).Allowed)
                {
                    held.Add((algorithm.Charge(ref state, now, cost), cost));
                }
            }

            Assert.Equal(50 - held.Sum(h => h.Cost), algorithm.Check(ref state, now, 0).Remaining);
            Assert.True(state.Entries is null || state.Entries.Length <= 2 * 50);
        }
    }

    [Fact]
    public void LeaseIdsStayExactInJsonClientsThatReadDoubles()
    {
        var algorithm = Create(10);
        var state = new LimitState();

        var id = Lease(algorithm, ref state, DateTime.MaxValue.Ticks - Ttl.Ticks, 1);

        Assert.InRange(id, 1, 1L << 53);
    }

    private static Concurrency Create(long limit) =>
        new(new LimitSpec { Algorithm = LimitAlgorithmKind.Concurrency, Limit = limit, LeaseTtl = Ttl });

    private static long Lease(LimitAlgorithm algorithm, ref LimitState state, long now, long cost)
    {
        var decision = algorithm.Check(ref state, now, cost);
        Assert.True(decision.Allowed);
        var id = algorithm.Charge(ref state, now, cost);
        Assert.NotEqual(0, id);
        return id;
    }
}
