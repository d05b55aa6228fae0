using GrainLimiter.Decisions;
using GrainLimiter.Silo.Tests.Fixtures;
using GrainLimiter.Silo.Tests.Grains;

namespace GrainLimiter.Silo.Tests.Checks.Leases;

/// <summary>Checks with a request id and the fronts' leases: never admitted from a lease (the key's grain must see the id, so a retry
/// through another silo is not charged again); a cached denial still answers them, charging nothing.</summary>
[Collection(LimitGrainClusterCollection.Name)]
public sealed class RequestIdLeaseTests(LimitGrainCluster fixture)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ACheckWithAnIdGoesToTheGrainPastTheFrontsLeaseAndItsRetryOnAnotherSiloIsNotCharged()
    {
        var key = LimitGrainCluster.UniqueKey("id-lease");
        var front = fixture.CheckPipeline(0);
        await HoldALeaseAsync(front, key);
        var leased = fixture.Leases(0).HeldUnits("hot", key);
        var repeats = RepeatedRequestIds();

        var first = await front.CheckAsync([new CheckRequest("hot", key)], "one-check", CancellationToken.None);
        var retry = await fixture.CheckPipeline(1).CheckAsync([new CheckRequest("hot", key)], "one-check", CancellationToken.None);

        // Not taken from the lease (it may have expired meanwhile, but it was not spent by one: leases are of at least 2 units).
        Assert.NotEqual(leased - 1, fixture.Leases(0).HeldUnits("hot", key));
        // The grain saw the first attempt's id, so it answered the retry from memory.
        Assert.Equal(repeats + 1, RepeatedRequestIds());
        Assert.Equal(first.Results[0].Decision, retry.Results[0].Decision);
    }

    private long RepeatedRequestIds() => Enumerable.Range(0, 3).Sum(silo => fixture.Counters(silo).RepeatedRequestIds);

    [Fact]
    public async Task ACachedDenialAnswersACheckWithAnIdAndChargesNothing()
    {
        var key = LimitGrainCluster.UniqueKey("id-denial");
        var front = fixture.CheckPipeline(0);
        // "one" admits one an hour: the front asks as a holder until the grain lets it cache the denial.
        await Eventually.TrueAsync(async () =>
        {
            await front.CheckAsync([new CheckRequest("one", key)], CancellationToken.None);
            return fixture.Leases(0).DeniesHere("one", key);
        }, Patience, "silo 0's front caches the key's denial");
        var used = (await fixture.Grain("one", key).InspectAsync()).Limits[0].Used;

        var denied = await front.CheckAsync([new CheckRequest("one", key)], "denied-here", CancellationToken.None);

        Assert.False(denied.Allowed);
        Assert.Equal(used, (await fixture.Grain("one", key).InspectAsync()).Limits[0].Used);
    }

    private async Task HoldALeaseAsync(global::GrainLimiter.Silo.Checks.CheckPipeline front, string key) =>
        await Eventually.TrueAsync(async () =>
        {
            for (var i = 0; i < 10 && fixture.Leases(0).HeldUnits("hot", key) == 0; i++)
            {
                Assert.True((await front.CheckAsync([new CheckRequest("hot", key)], CancellationToken.None)).Allowed);
            }

            return fixture.Leases(0).HeldUnits("hot", key) > 0;
        }, Patience, "silo 0's front holds a lease of the key");
}
