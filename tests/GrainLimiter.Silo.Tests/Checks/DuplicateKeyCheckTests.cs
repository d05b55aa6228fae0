using GrainLimiter.Decisions;
using GrainLimiter.Silo.Tests.Grains;

namespace GrainLimiter.Silo.Tests.Checks;

/// <summary>A check naming the same (policy, key) more than once: each item decided in order, as if charged one after
/// another, all or nothing over the whole check.</summary>
[Collection(LimitGrainClusterCollection.Name)]
public sealed class DuplicateKeyCheckTests(LimitGrainCluster fixture)
{
    [Fact]
    public async Task EachRepeatOfAKeyIsChargedInOrderAndAnswersItsOwnRemaining()
    {
        var limits = fixture.CheckPipeline(silo: 1);
        var key = LimitGrainCluster.UniqueKey("dup");

        var outcome = await limits.CheckAsync([new("ten", key), new("ten", key, 3), new("ten", key)], CancellationToken.None);

        Assert.True(outcome.Allowed);
        Assert.Equal([9L, 6L, 5L], outcome.Results.Select(static r => r.Decision.Remaining));
        Assert.Equal([1L, 3L, 1L], outcome.Results.Select(static r => r.Request.Cost));
        Assert.Equal(5, (await limits.GetAsync("ten", key, CancellationToken.None)).Decision.Remaining);
    }

    [Fact]
    public async Task ARepeatThatExceedsTheLimitDeniesTheWholeCheckAndChargesNothing()
    {
        var limits = fixture.CheckPipeline(silo: 0);
        var key = LimitGrainCluster.UniqueKey("dup-deny");
        var other = LimitGrainCluster.UniqueKey("dup-other");

        var outcome = await limits.CheckAsync([new("ten", key, 6), new("ten", other), new("ten", key, 6)], CancellationToken.None);

        Assert.False(outcome.Allowed);
        Assert.True(outcome.Results[0].Decision.Allowed);
        Assert.Equal(4, outcome.Results[0].Decision.Remaining);
        Assert.True(outcome.Results[1].Decision.Allowed);
        Assert.False(outcome.Results[2].Decision.Allowed);
        Assert.Equal(4, outcome.Results[2].Decision.Remaining);
        Assert.Equal(10, (await limits.GetAsync("ten", key, CancellationToken.None)).Decision.Remaining);
        Assert.Equal(10, (await limits.GetAsync("ten", other, CancellationToken.None)).Decision.Remaining);
    }

    [Fact]
    public async Task ItemsAfterADeniedRepeatAreStillDecidedOnTheirOwnCost()
    {
        var limits = fixture.CheckPipeline(silo: 2);
        var key = LimitGrainCluster.UniqueKey("dup-after");

        var outcome = await limits.CheckAsync([new("ten", key, 5), new("ten", key, 10), new("ten", key, 1)], CancellationToken.None);

        Assert.False(outcome.Allowed);
        Assert.Equal([true, false, true], outcome.Results.Select(static r => r.Decision.Allowed));
        Assert.Equal([5L, 5L, 4L], outcome.Results.Select(static r => r.Decision.Remaining));
        Assert.Equal(10, (await limits.GetAsync("ten", key, CancellationToken.None)).Decision.Remaining);
    }

    [Fact]
    public async Task ALargeCheckWithRepeatsKeepsItsItemOrderAndTellsPoliciesApart()
    {
        var limits = fixture.CheckPipeline(silo: 1);
        var keys = Enumerable.Range(0, 3).Select(static i => LimitGrainCluster.UniqueKey($"dup-large{i}")).ToArray();
        // 20 items over three keys of "exact" and the same key names under "ten" (other grains).
        var checks = Enumerable.Range(0, 20).Select(i => new CheckRequest(i % 5 == 4 ? "ten" : "exact", keys[i % 3])).ToArray();

        var outcome = await limits.CheckAsync(checks, CancellationToken.None);

        Assert.True(outcome.Allowed);
        var charged = new Dictionary<(string, string), long>();
        for (var i = 0; i < checks.Length; i++)
        {
            var pair = (checks[i].Policy, checks[i].Key);
            charged[pair] = charged.GetValueOrDefault(pair) + 1;
            Assert.Equal(checks[i], outcome.Results[i].Request);
            var limit = checks[i].Policy == "ten" ? 10 : 1000;
            Assert.Equal(limit - charged[pair], outcome.Results[i].Decision.Remaining);
        }

        foreach (var ((policy, key), count) in charged)
        {
            var limit = policy == "ten" ? 10 : 1000;
            Assert.Equal(limit - count, (await limits.GetAsync(policy, key, CancellationToken.None)).Decision.Remaining);
        }
    }

    [Fact]
    public async Task ALargeCheckDeniedByARepeatRefundsEveryChargedItem()
    {
        var limits = fixture.CheckPipeline(silo: 0);
        var keys = Enumerable.Range(0, 12).Select(static i => LimitGrainCluster.UniqueKey($"dup-refund{i}")).ToArray();
        // Twelve distinct keys, then the first one eleven times more: its eleventh charge is over "ten".
        var checks = keys.Select(static k => new CheckRequest("ten", k)).Concat(Enumerable.Repeat(new CheckRequest("ten", keys[0]), 10)).ToArray();

        var outcome = await limits.CheckAsync(checks, CancellationToken.None);

        Assert.False(outcome.Allowed);
        Assert.False(outcome.Results[^1].Decision.Allowed);
        Assert.All(outcome.Results[..^1], static r => Assert.True(r.Decision.Allowed));
        Assert.Equal(0, outcome.Results[^2].Decision.Remaining);
        foreach (var key in keys)
        {
            Assert.Equal(10, (await limits.GetAsync("ten", key, CancellationToken.None)).Decision.Remaining);
        }
    }

    [Fact]
    public async Task RepeatedPeeksChargeNothing()
    {
        var limits = fixture.CheckPipeline(silo: 2);
        var key = LimitGrainCluster.UniqueKey("dup-peek");

        var outcome = await limits.CheckAsync([new("ten", key, 0), new("ten", key, 2), new("ten", key, 0)], CancellationToken.None);

        Assert.True(outcome.Allowed);
        Assert.Equal([10L, 8L, 8L], outcome.Results.Select(static r => r.Decision.Remaining));
        Assert.Equal(8, (await limits.GetAsync("ten", key, CancellationToken.None)).Decision.Remaining);
    }
}
