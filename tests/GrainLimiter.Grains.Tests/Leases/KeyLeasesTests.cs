using GrainLimiter.Decisions;
using GrainLimiter.Grains.Leases;
using GrainLimiter.Leases;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Leases;

/// <summary>When a key grants a lease, how big, until when, and what comes back of it.</summary>
public sealed class KeyLeasesTests
{
    // 100 ms into a one-second window.
    private static readonly long T0 = new DateTime(2026, 12, 7, 0, 0, 0, DateTimeKind.Utc).Ticks + TimeSpan.FromMilliseconds(100).Ticks;
    private static readonly LeaseOptions Options = new() { Ttl = TimeSpan.FromMilliseconds(100), MinAsks = 2, MinUnits = 2 };

    private static KeyLimits Key(long limit, LeaseMode mode = LeaseMode.Auto, LimitAlgorithmKind algorithm = LimitAlgorithmKind.FixedWindow) =>
        new("k", new CompiledPolicy(new PolicyDefinition
        {
            Name = "p",
            Leases = mode,
            Limits = [new LimitSpec { Algorithm = algorithm, Limit = limit, Window = TimeSpan.FromSeconds(1), MaxWait = TimeSpan.FromSeconds(1) }],
        }));

    private static LeaseOffer Ask(KeyLeases<string> leases, KeyLimits limits, long now, long cost = 1, string holder = "a") =>
        leases.Offer(limits, holder, holder, now, cost, limits.TryAcquire(now, cost), cacheable: true);

    [Fact]
    public void AHolderThatAsksOftenIsLeasedTwiceItsRecentRate()
    {
        var limits = Key(1000);
        var leases = new KeyLeases<string>(Options, T0 - Options.Ttl.Ticks);

        Assert.Null(Ask(leases, limits, T0, cost: 3).Lease);
        var offer = Ask(leases, limits, T0 + 1, cost: 3);

        Assert.Equal(12, offer.Lease!.Value.Units);
        // Charged at grant: what remains already counts the lease.
        Assert.Equal(1000 - 6 - 12, offer.Decision.Remaining);
        Assert.Equal(1000 - 6 - 12, limits.Evaluate(T0 + 1, 0).Remaining);
    }

    [Fact]
    public void LeasesShrinkAsTheKeyNearsItsLimitAndStopBeforeIt()
    {
        var limits = Key(40);
        var leases = new KeyLeases<string>(Options, T0 - Options.Ttl.Ticks);
        for (var i = 0; i < 10; i++)
        {
            Ask(leases, limits, T0 + i, cost: 1, holder: "busy");
        }

        limits.TryAcquire(T0, 30);
        // 40 - 30 - 10 asks = 0 left at most; nothing is leased once what remains, shared, is under MinUnits.
        Assert.Null(Ask(leases, limits, T0 + 20, cost: 1, holder: "b").Lease);
    }

    [Fact]
    public void ALeaseEndsAtItsWindowsEnd()
    {
        var limits = Key(1000);
        var leases = new KeyLeases<string>(Options, T0 - Options.Ttl.Ticks);
        var nearEnd = T0 + TimeSpan.FromMilliseconds(870).Ticks;
        Ask(leases, limits, nearEnd);

        var grant = Ask(leases, limits, nearEnd + 1).Lease!.Value;

        Assert.Equal(TimeSpan.FromMilliseconds(30).Ticks - 1, grant.Ttl.Ticks);
    }

    [Fact]
    public void UnusedUnitsComeBackWithinTheirWindow()
    {
        var limits = Key(100);
        var leases = new KeyLeases<string>(Options, T0 - Options.Ttl.Ticks);
        Ask(leases, limits, T0);
        var grant = Ask(leases, limits, T0 + 1).Lease!.Value;
        var before = limits.Evaluate(T0 + 2, 0).Remaining;

        var settled = leases.Return(limits, "a", new LeaseReturn(grant.Id, grant.Units - 1), T0 + 2);

        Assert.Equal(grant.Units - 1, settled.Credited);
        Assert.Equal(before + grant.Units - 1, limits.Evaluate(T0 + 2, 0).Remaining);
        // Once only.
        Assert.Equal(0, leases.Return(limits, "a", new LeaseReturn(grant.Id, grant.Units - 1), T0 + 3).Credited);
    }

    [Fact]
    public void ALeaseGivenBackByACallThatArrivesAfterAnotherAskOfItsHolderIsStillCredited()
    {
        var limits = Key(100);
        var leases = new KeyLeases<string>(Options, T0 - Options.Ttl.Ticks);
        Ask(leases, limits, T0);
        var grant = Ask(leases, limits, T0 + 1).Lease!.Value;
        var expired = T0 + 1 + grant.Ttl.Ticks;
        var before = limits.Evaluate(expired, 0).Remaining;

        // Two of the holder's callers find the lease expired: one takes it out to give it back, the other asks without it, and
        // reaches the grain first.
        var first = Ask(leases, limits, expired);
        var settled = leases.Return(limits, "a", new LeaseReturn(grant.Id, grant.Units), expired + 1);

        Assert.Null(first.Lease);
        Assert.Equal(0, first.Stranded);
        Assert.Equal(grant.Units, settled.Credited);
        Assert.Equal(before - 1 + grant.Units, limits.Evaluate(expired + 1, 0).Remaining);
    }

    [Fact]
    public void ALeaseItsHolderAsksWithoutForAWholeTtlPastItsExpiryIsStranded()
    {
        var limits = Key(100);
        var leases = new KeyLeases<string>(Options, T0 - Options.Ttl.Ticks);
        Ask(leases, limits, T0);
        var grant = Ask(leases, limits, T0 + 1).Lease!.Value;

        var offer = Ask(leases, limits, T0 + 1 + (2 * grant.Ttl.Ticks));

        Assert.Equal(grant.Units, offer.Stranded);
        Assert.Equal(0, leases.Return(limits, "a", new LeaseReturn(grant.Id, grant.Units), T0 + 2 + (2 * grant.Ttl.Ticks)).Credited);
    }

    [Fact]
    public void UnitsGivenBackAfterTheirWindowRolledCreditNothingToTheNewWindow()
    {
        var limits = Key(100);
        var leases = new KeyLeases<string>(Options, T0 - Options.Ttl.Ticks);
        Ask(leases, limits, T0);
        var grant = Ask(leases, limits, T0 + 1).Lease!.Value;
        var nextWindow = T0 + TimeSpan.FromMilliseconds(900).Ticks;
        limits.TryAcquire(nextWindow, 10);

        var settled = leases.Return(limits, "a", new LeaseReturn(grant.Id, grant.Units), nextWindow);

        Assert.Equal(0, settled.Credited);
        Assert.Equal(grant.Units, settled.Stranded);
        Assert.Equal(90, limits.Evaluate(nextWindow, 0).Remaining);
    }

    [Fact]
    public void ANewActivationGrantsNothingUntilAnEarlierOnesLeasesHaveExpired()
    {
        var limits = Key(1000);
        var leases = new KeyLeases<string>(Options, T0);
        Ask(leases, limits, T0);
        Assert.Null(Ask(leases, limits, T0 + 1).Lease);

        Assert.NotNull(Ask(leases, limits, T0 + Options.Ttl.Ticks).Lease);
    }

    [Fact]
    public void ADenialIsCachedOnlyWhileNoLeaseIsOutstanding()
    {
        var limits = Key(20);
        var leases = new KeyLeases<string>(Options, T0 - Options.Ttl.Ticks);
        Ask(leases, limits, T0, holder: "a");
        var grant = Ask(leases, limits, T0 + 1, holder: "a").Lease!.Value;
        limits.TryAcquire(T0 + 2, limits.Evaluate(T0 + 2, 0).Remaining);

        var whileLeased = Ask(leases, limits, T0 + 3, holder: "b");
        leases.Return(limits, "a", new LeaseReturn(grant.Id, 0), T0 + 4);
        var afterReturn = Ask(leases, limits, T0 + 5, holder: "b");

        Assert.False(whileLeased.Decision.Allowed);
        Assert.Equal(TimeSpan.Zero, whileLeased.CacheDenialFor);
        Assert.False(afterReturn.Decision.Allowed);
        // Until the window ends (within MaxCachedDenial): nothing can admit before then.
        Assert.Equal(afterReturn.Decision.RetryAfter, afterReturn.CacheDenialFor);
        Assert.True(afterReturn.CacheDenialFor > TimeSpan.Zero);
        Assert.Contains(leases.ToRevoke(T0 + 6), e => e.Id == "b");
    }

    [Theory]
    [InlineData(LimitAlgorithmKind.SlidingLog)]
    [InlineData(LimitAlgorithmKind.LeakyBucket)]
    public void AlgorithmsWhoseChargeIsNotACountNeverLease(LimitAlgorithmKind algorithm)
    {
        var limits = Key(1000, algorithm: algorithm);
        var leases = new KeyLeases<string>(Options, T0 - Options.Ttl.Ticks);
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(Ask(leases, limits, T0 + i).Lease);
        }
    }

    [Fact]
    public void APolicyWithLeasesOffNeverLeases()
    {
        var limits = Key(1000, LeaseMode.Off);
        var leases = new KeyLeases<string>(Options, T0 - Options.Ttl.Ticks);
        for (var i = 0; i < 10; i++)
        {
            Assert.Null(Ask(leases, limits, T0 + i).Lease);
        }
    }

    [Fact]
    public void AHeldLeaseAdmitsItsUnitsOnceAndNothingAfterItIsClosedOrExpired()
    {
        var lease = new HeldLease(1, 5, expiresAt: 100, new GrainDecision(default, "p"), grantedAt: 0);

        Assert.Equal(2, lease.TryTake(3, 10));
        Assert.Equal(-1, lease.TryTake(3, 10));
        Assert.True(lease.PutBack(3));
        Assert.Equal(-1, lease.TryTake(1, 100));
        Assert.Equal(5, lease.Close());
        Assert.Equal(0, lease.Close());
        Assert.Equal(-1, lease.TryTake(1, 10));
        Assert.False(lease.PutBack(1));
    }

    [Fact]
    public async Task ConcurrentTakersNeverTakeMoreThanTheLease()
    {
        var lease = new HeldLease(1, 10_000, long.MaxValue, new GrainDecision(default, "p"), 0);
        var taken = new long[8];
        await Task.WhenAll(Enumerable.Range(0, 8).Select(t => Task.Run(() =>
        {
            while (lease.TryTake(3, 1) >= 0)
            {
                taken[t] += 3;
            }
        })));

        Assert.Equal(9999, taken.Sum());
        Assert.Equal(1, lease.Close());
    }
}
