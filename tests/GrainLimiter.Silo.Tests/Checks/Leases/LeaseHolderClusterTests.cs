using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Tests.Fixtures;
using GrainLimiter.Silo.Tests.Grains;
using Xunit.Abstractions;

namespace GrainLimiter.Silo.Tests.Checks.Leases;

/// <summary>Three in-process silos whose fronts hold leases of one hot key: decided at the front, never beyond the limit, and taken
/// back from every holder before an operator's reset or override applies.</summary>
[Collection(LimitGrainClusterCollection.Name)]
public sealed class LeaseHolderClusterTests(LimitGrainCluster fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void AKeyAskedOnceInALeasePeriodIsNotTrackedAndOneAskedAgainIs()
    {
        var holder = fixture.Leases(0);
        Assert.True(fixture.Registry.TryGet("hot", out var policy));
        var once = LimitGrainCluster.UniqueKey("once");
        var twice = LimitGrainCluster.UniqueKey("twice");

        holder.ShouldAsk(new CheckRequest("hot", once), policy);
        holder.ShouldAsk(new CheckRequest("hot", twice), policy);
        holder.ShouldAsk(new CheckRequest("hot", twice), policy);

        // Most keys of a uniform load are asked once in a while: they must cost the holder no allocation.
        Assert.False(holder.Holds("hot", once));
        Assert.True(holder.Holds("hot", twice));
    }

    [Fact]
    public async Task AResetTakesBackEveryHoldersLeaseBeforeItAnswers()
    {
        var key = LimitGrainCluster.UniqueKey("revoke-reset");
        var fronts = await HoldLeasesOnEverySiloAsync("hot", key);

        await fixture.Grain("hot", key).ResetAsync();

        for (var silo = 0; silo < 3; silo++)
        {
            Assert.Equal(0, fixture.Leases(silo).HeldUnits("hot", key));
        }

        var view = await fixture.Grain("hot", key).InspectAsync();
        Assert.Equal(0, view.Limits[0].Used);
        // The next call reaches the grain again and counts from zero.
        var after = await fronts[1].CheckAsync([new CheckRequest("hot", key)], CancellationToken.None);
        Assert.True(after.Allowed);
        Assert.Equal(1_000_000 - 1, after.Results[0].Decision.Remaining);
    }

    [Fact]
    public async Task AnOverrideTakesBackEveryHoldersLeaseSoItsLowerLimitHoldsAtOnce()
    {
        var key = LimitGrainCluster.UniqueKey("revoke-override");
        var fronts = await HoldLeasesOnEverySiloAsync("hot", key);

        await fixture.Grain("hot", key).SetOverrideAsync(new KeyOverride([new LimitOverride("hot", 1, null)]));

        for (var silo = 0; silo < 3; silo++)
        {
            Assert.Equal(0, fixture.Leases(silo).HeldUnits("hot", key));
        }

        // Far more than 1 was used already: with the leases gone, nothing is admitted anywhere.
        for (var i = 0; i < 30; i++)
        {
            var outcome = await fronts[i % 3].CheckAsync([new CheckRequest("hot", key)], CancellationToken.None);
            Assert.False(outcome.Allowed, $"call {i} on silo {i % 3} was admitted past the override");
        }

        await fixture.Grain("hot", key).ClearOverrideAsync();
    }

    [Fact]
    public async Task OneThousandOfFiveThousandWithLeasesOnThreeSilosAndSixtyFourCallersNeverAdmitsMore()
    {
        await WindowRoom.AwaitAsync(TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
        var key = LimitGrainCluster.UniqueKey("exact-leased");
        var fronts = Enumerable.Range(0, 3).Select(fixture.CheckPipeline).ToArray();
        var granted = TotalGranted();
        var leasedBefore = Units();
        // A new activation leases nothing for a lease period: call until silo 0's front holds a lease (these calls count too).
        long admitted = 0;
        var warmUp = 0;
        await Eventually.TrueAsync(async () =>
        {
            warmUp++;
            admitted += (await fronts[0].CheckAsync([new CheckRequest("exact", key)], CancellationToken.None)).Allowed ? 1 : 0;
            return fixture.Leases(0).HeldUnits("exact", key) > 0;
        }, Patience, "silo 0's front holds a lease of the key");

        admitted += await CallAsync(fronts, key, calls: 5000 - warmUp, callers: 64);

        Assert.True(admitted <= 1000, $"{admitted} admitted of a limit of 1000");
        var leased = TotalGranted() - granted;
        Assert.True(leased > 0, "hot key was leased to the fronts");
        var used = (await fixture.Grain("exact", key).InspectAsync()).Limits[0].Used;
        output.WriteLine($"5000 calls ({warmUp} before the first lease): {admitted} admitted, {used} charged at the grain, {used - admitted} outstanding " +
            $"in leases; {leased} leases granted, {Units() - leasedBefore} units leased");

        // Every holder gives back what it did not use: the grain's count is exactly what was admitted.
        for (var silo = 0; silo < 3; silo++)
        {
            await fixture.Leases(silo).ReturnExpiredAsync(all: true, CancellationToken.None);
        }

        Assert.Equal(admitted, (await fixture.Grain("exact", key).InspectAsync()).Limits[0].Used);

        // And the rest of the limit is admitted, not a unit more.
        var more = await CallAsync(fronts, key, calls: 2000, callers: 64);
        Assert.Equal(1000, admitted + more);
    }

    [Fact]
    public async Task AKeyEveryCheckNamesTwiceIsLeasedTooAndNeverAdmittedBeyondTheLimit()
    {
        await WindowRoom.AwaitAsync(TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
        var key = LimitGrainCluster.UniqueKey("exact-repeated");
        var fronts = Enumerable.Range(0, 3).Select(fixture.CheckPipeline).ToArray();
        CheckRequest[] twice = [new("exact", key), new("exact", key)];
        // Under Zipf nearly every batch names the hottest keys more than once: those must be leased like keys named once.
        long admittedChecks = 0;
        var warmUp = 0;
        await Eventually.TrueAsync(async () =>
        {
            warmUp++;
            admittedChecks += (await fronts[0].CheckAsync(twice, CancellationToken.None)).Allowed ? 1 : 0;
            return fixture.Leases(0).HeldUnits("exact", key) > 0;
        }, Patience, "silo 0's front holds a lease of a key every check repeats");

        admittedChecks += await CallAsync(fronts, twice, calls: 2500 - warmUp, callers: 64);

        Assert.True(2 * admittedChecks <= 1000, $"{2 * admittedChecks} units admitted of a limit of 1000");
        for (var silo = 0; silo < 3; silo++)
        {
            await fixture.Leases(silo).ReturnExpiredAsync(all: true, CancellationToken.None);
        }

        Assert.Equal(2 * admittedChecks, (await fixture.Grain("exact", key).InspectAsync()).Limits[0].Used);
        var more = await CallAsync(fronts, twice, calls: 1000, callers: 64);
        Assert.Equal(500, admittedChecks + more);
    }

    [Fact]
    public async Task ADeniedHotKeyIsAnsweredAtTheFrontUntilAResetTellsEveryHolder()
    {
        // The fixture's windows are epoch-aligned hours: start where the rest of this one holds the whole test.
        await WindowRoom.AwaitAsync(TimeSpan.FromHours(1), TimeSpan.FromMinutes(1));
        var key = LimitGrainCluster.UniqueKey("denied");
        var fronts = Enumerable.Range(0, 3).Select(fixture.CheckPipeline).ToArray();
        Assert.True((await fronts[0].CheckAsync([new CheckRequest("one", key)], CancellationToken.None)).Allowed);

        // An attack on the spent key: each front soon answers the denial itself, with the grain's retry-after.
        for (var silo = 0; silo < 3; silo++)
        {
            var holder = fixture.Leases(silo);
            var front = fronts[silo];
            await Eventually.TrueAsync(async () =>
            {
                var outcome = await front.CheckAsync([new CheckRequest("one", key)], CancellationToken.None);
                Assert.False(outcome.Allowed);
                Assert.True(outcome.Results[0].Decision.RetryAfter > TimeSpan.FromSeconds(30), "denied until the hour's window ends");
                return holder.DeniesHere("one", key);
            }, Patience, $"silo {silo}'s front answers the key's denial itself");
        }

        var cached = await fronts[2].CheckAsync([new CheckRequest("one", key)], CancellationToken.None);
        Assert.False(cached.Allowed);
        Assert.Equal(1, cached.Results[0].Decision.Limit);
        Assert.Equal(0, cached.Results[0].Decision.Remaining);

        await fixture.Grain("one", key).ResetAsync();

        for (var silo = 0; silo < 3; silo++)
        {
            Assert.False(fixture.Leases(silo).DeniesHere("one", key), $"silo {silo} still answers a denial the reset lifted");
        }

        Assert.True((await fronts[2].CheckAsync([new CheckRequest("one", key)], CancellationToken.None)).Allowed);
    }

    [Fact]
    public async Task APauseTakesBackEveryHoldersLeaseSoNothingIsAdmittedWhileItLasts()
    {
        var key = LimitGrainCluster.UniqueKey("revoke-pause");
        var fronts = await HoldLeasesOnEverySiloAsync("hot", key);

        await fronts[0].PauseAsync("hot", key, DateTimeOffset.UtcNow.AddMinutes(10), CancellationToken.None);

        for (var i = 0; i < 30; i++)
        {
            Assert.False((await fronts[i % 3].CheckAsync([new CheckRequest("hot", key)], CancellationToken.None)).Allowed, $"call {i} admitted while paused");
        }
    }

    [Fact]
    public async Task AReloadedPolicyLeavesNoLeaseOfTheOldOneInUse()
    {
        var key = LimitGrainCluster.UniqueKey("reloaded");
        await HoldLeasesOnEverySiloAsync("hot", key);
        var holder = fixture.Leases(1);
        Assert.True(fixture.Registry.TryGet("hot", out var before));
        var reloaded = new CompiledPolicy(before.Definition with { });

        Assert.False(holder.TryDecide(new CheckRequest("hot", key), reloaded, out _, out _), "decided from a lease of the policy before the reload");
        holder.ShouldAsk(new CheckRequest("hot", key), reloaded);

        Assert.Equal(0, holder.HeldUnits("hot", key));
    }

    [Fact]
    public async Task ASpentBucketAskedByAHotFrontStaysDenied()
    {
        var key = LimitGrainCluster.UniqueKey("bucket");
        var front = fixture.CheckPipeline(0);
        var allowed = new List<bool>();
        for (var i = 0; i < 10; i++)
        {
            allowed.Add((await front.CheckAsync([new CheckRequest("bucket", key)], CancellationToken.None)).Allowed);
        }

        Assert.Equal([true, true, true, false, false, false, false, false, false, false], allowed);
    }

    private Task<long> CallAsync(CheckPipeline[] fronts, string key, int calls, int callers) =>
        CallAsync(fronts, [new CheckRequest("exact", key)], calls, callers);

    // Checks admitted of `calls` made by `callers` at once, spread over the fronts.
    private static async Task<long> CallAsync(CheckPipeline[] fronts, CheckRequest[] check, int calls, int callers)
    {
        long admitted = 0;
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref next) < calls)
            {
                var outcome = await fronts[caller % 3].CheckAsync(check, CancellationToken.None);
                if (outcome.Allowed)
                {
                    Interlocked.Increment(ref admitted);
                }
            }
        })));
        return admitted;
    }

    private long Units() => Enumerable.Range(0, 3).Sum(silo => fixture.Counters(silo).UnitsLeased);

    private long TotalGranted() => Enumerable.Range(0, 3).Sum(silo => fixture.Counters(silo).LeasesGranted);

    // Calls the key from each silo's front until that front holds a lease of it.
    private async Task<CheckPipeline[]> HoldLeasesOnEverySiloAsync(string policy, string key)
    {
        var fronts = Enumerable.Range(0, 3).Select(fixture.CheckPipeline).ToArray();
        for (var silo = 0; silo < 3; silo++)
        {
            var holder = fixture.Leases(silo);
            var front = fronts[silo];
            await Eventually.TrueAsync(async () =>
            {
                // A few calls per look: each front takes its lease quickly, so the first is still held when the last is granted.
                for (var i = 0; i < 10 && holder.HeldUnits(policy, key) == 0; i++)
                {
                    Assert.True((await front.CheckAsync([new CheckRequest(policy, key)], CancellationToken.None)).Allowed);
                }

                return holder.HeldUnits(policy, key) > 0;
            }, Patience, $"silo {silo}'s front holds a lease of the key");
        }

        for (var silo = 0; silo < 3; silo++)
        {
            Assert.True(fixture.Leases(silo).HeldUnits(policy, key) > 0, $"silo {silo} still holds its lease");
        }

        return fronts;
    }
}
