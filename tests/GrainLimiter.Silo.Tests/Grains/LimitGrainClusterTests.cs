using GrainLimiter.Decisions;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Grains;

/// <summary>The Orleans limit grain on three in-process silos: one activation per key, write-behind, conflicts, failure modes, collection.</summary>
[Collection(LimitGrainClusterCollection.Name)]
public sealed class LimitGrainClusterTests(LimitGrainCluster fixture)
{
    [Fact]
    public async Task ConcurrentCallersOnEverySiloShareOneActivationAndAdmitExactlyTheLimit()
    {
        var key = LimitGrainCluster.UniqueKey("hot");
        var calls = Enumerable.Range(0, 3000).Select(i => fixture.Grain("exact", key, silo: i % 3).AcquireAsync(1).AsTask()).ToArray();

        var answers = await Task.WhenAll(calls);

        Assert.Equal(1000, answers.Count(static a => a.Decision.Allowed));
        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
        Assert.Equal(1, await management.GetGrainActivationCount((GrainReference)fixture.Grain("exact", key)));
    }

    [Fact]
    public async Task StateIsWrittenBehindCoalescedAndReadBackByTheNextActivation()
    {
        var key = LimitGrainCluster.UniqueKey("behind");
        var grain = fixture.Grain("exact", key);
        var writesBefore = fixture.Storage.Writes;
        for (var i = 0; i < 200; i++)
        {
            Assert.True((await grain.AcquireAsync(1)).Decision.Allowed);
        }

        var id = grain.GetGrainId();
        await Eventually.TrueAsync(() => Task.FromResult(fixture.Storage.TryGet(id, out _)), TimeSpan.FromSeconds(10), "the state is written behind");
        // 200 decisions, a few writes: one per FlushInterval at most while it changes.
        Assert.True(fixture.Storage.Writes - writesBefore < 50, $"{fixture.Storage.Writes - writesBefore} writes for 200 decisions");

        await fixture.Cluster.DeactivateAsync(grain);
        var after = await fixture.Grain("exact", key, silo: 2).EvaluateAsync(0);

        Assert.Equal(800, after.Decision.Remaining);
    }

    [Fact]
    public async Task AStateEqualToAFreshOneIsDeletedFromTheStore()
    {
        var key = LimitGrainCluster.UniqueKey("fresh");
        var grain = fixture.Grain("ten", key);
        await grain.AcquireAsync(3);
        var id = grain.GetGrainId();
        await Eventually.TrueAsync(() => Task.FromResult(fixture.Storage.TryGet(id, out _)), TimeSpan.FromSeconds(10), "the state is written");

        await grain.ResetAsync();

        await Eventually.TrueAsync(() => Task.FromResult(!fixture.Storage.TryGet(id, out _)), TimeSpan.FromSeconds(10), "the fresh state is deleted");
    }

    [Fact]
    public async Task AnETagConflictTakesTheStoredStateAndNeverOverwritesIt()
    {
        var full = fixture.Grain("ten", LimitGrainCluster.UniqueKey("full"));
        await full.AcquireAsync(10);
        await Eventually.TrueAsync(() => Task.FromResult(fixture.Storage.TryGet(full.GetGrainId(), out _)), TimeSpan.FromSeconds(10),
            "the full key is written");
        fixture.Storage.TryGet(full.GetGrainId(), out var fullState);

        var key = LimitGrainCluster.UniqueKey("conflict");
        var grain = fixture.Grain("ten", key);
        await grain.AcquireAsync(1);
        var id = grain.GetGrainId();
        await Eventually.TrueAsync(() => Task.FromResult(fixture.Storage.TryGet(id, out _)), TimeSpan.FromSeconds(10), "the state is written");
        var conflictsBefore = Enumerable.Range(0, 3).Sum(s => fixture.Counters(s).StateConflicts);

        // A second activation (after a partition) wrote the key: 10 of 10 used.
        fixture.Storage.WriteAsAnotherActivation(id, fullState);
        await grain.AcquireAsync(1);

        await Eventually.TrueAsync(() => Task.FromResult(Enumerable.Range(0, 3).Sum(s => fixture.Counters(s).StateConflicts) > conflictsBefore),
            TimeSpan.FromSeconds(10), "the write meets the conflict");
        fixture.Storage.TryGet(id, out var stored);
        Assert.Equal(fullState, stored);
        await Eventually.TrueAsync(async () => !(await fixture.Grain("ten", key, silo: 1).AcquireAsync(1)).Decision.Allowed,
            TimeSpan.FromSeconds(10), "the key decides from the stored (full) state");
    }

    [Fact]
    public async Task UnreadableStoreAtActivationFollowsThePolicysFailureMode()
    {
        var open = fixture.Grain("ten", LimitGrainCluster.UniqueKey("open"));
        var closed = fixture.Grain("closed", LimitGrainCluster.UniqueKey("closed"));
        var provisionalBefore = Enumerable.Range(0, 3).Sum(s => fixture.Counters(s).ProvisionalActivations);
        GrainDecision openAnswer, closedAnswer;
        fixture.Storage.FailReads = true;
        try
        {
            openAnswer = await open.AcquireAsync(1);
            closedAnswer = await closed.AcquireAsync(1);
        }
        finally
        {
            fixture.Storage.FailReads = false;
        }

        Assert.True(openAnswer.Decision.Allowed);
        Assert.Null(openAnswer.Reason);
        Assert.Equal(provisionalBefore + 1, Enumerable.Range(0, 3).Sum(s => fixture.Counters(s).ProvisionalActivations));
        Assert.False(closedAnswer.Decision.Allowed);
        Assert.Equal(DecisionReasons.StoreUnavailable, closedAnswer.Reason);
        // The store is back: the closed key's next activation reads it and decides normally.
        await Eventually.TrueAsync(async () => (await closed.AcquireAsync(1)).Decision.Allowed, TimeSpan.FromSeconds(10),
            "the closed key decides once the store answers");
    }

    [Fact]
    public async Task AMultiKeyCheckDeniedOnOneSiloRefundsTheKeysAdmittedOnTheOthers()
    {
        var limits = fixture.CheckPipeline(silo: 1);
        var keys = Enumerable.Range(0, 8).Select(i => LimitGrainCluster.UniqueKey($"multi{i}")).ToArray();
        var management = fixture.Cluster.Client.GetGrain<IManagementGrain>(0);
        var denyingKey = LimitGrainCluster.UniqueKey("deny");
        var checks = keys.Select(static k => new CheckRequest("ten", k)).Append(new CheckRequest("one", denyingKey)).ToArray();

        Assert.True((await limits.CheckAsync(checks, CancellationToken.None)).Allowed);
        var denied = await limits.CheckAsync(checks, CancellationToken.None);

        Assert.False(denied.Allowed);
        var silos = new HashSet<SiloAddress>();
        foreach (var key in keys)
        {
            silos.Add((await management.GetActivationAddress(fixture.Grain("ten", key)))!);
            // Charged once by the admitted check; the denied check's charge was refunded.
            Assert.Equal(9, (await limits.GetAsync("ten", key, CancellationToken.None)).Decision.Remaining);
        }

        Assert.True(silos.Count >= 2, "hash-based placement spread the keys over several silos");
    }

    [Fact]
    public async Task IdleGrainsAreCollectedAfterTheIdleTimeoutAndTheirStateKept()
    {
        var key = LimitGrainCluster.UniqueKey("idle");
        var grain = fixture.Grain("ten", key);
        await grain.AcquireAsync(4);
        Assert.True(fixture.Cluster.TryGetGrainContext(grain.GetGrainId(), out _));

        await Eventually.TrueAsync(() => Task.FromResult(!fixture.Cluster.TryGetGrainContext(grain.GetGrainId(), out _)),
            LimitGrainCluster.IdleTimeout * 10, "the idle grain is deactivated");

        Assert.Equal(6, (await grain.EvaluateAsync(0)).Decision.Remaining);
    }

    [Fact]
    public async Task ARunTimeEnvoyOverridePolicyIsRebuiltFromItsNameOnWhicheverSiloHostsTheKey()
    {
        // Only the calling silo's Envoy front registered it; the registry here has never seen it.
        const string Override = "envoy-override:3/minute";
        Assert.False(fixture.Registry.TryGet(Override, out _));
        var keys = Enumerable.Range(0, 6).Select(i => LimitGrainCluster.UniqueKey($"override{i}")).ToArray();

        foreach (var key in keys)
        {
            var grain = fixture.Grain(Override, key, silo: 1);
            var answers = new List<bool>();
            for (var i = 0; i < 4; i++)
            {
                answers.Add((await grain.AcquireAsync(1)).Decision.Allowed);
            }

            Assert.Equal([true, true, true, false], answers);
            Assert.Equal(Override, (await grain.EvaluateAsync(0)).LimitName);
        }
    }

    [Theory]
    [InlineData("envoy-override:03/minute")]
    [InlineData("envoy-override:3/Minute")]
    [InlineData("envoy-override:3/fortnight")]
    [InlineData("envoy-override:/minute")]
    [InlineData("envoy-override:99999999999/minute")]
    [InlineData("someone-else:3/minute")]
    public void NamesThatAreNotARunTimePolicyResolveToNothing(string name) =>
        Assert.False(fixture.Registry.TryResolve(name, out _));
}
