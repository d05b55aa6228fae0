using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Silo.Observability.TopKeys;

namespace GrainLimiter.Silo.Tests.Observability.TopKeys;

public sealed class HeavyHittersTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void CountsAllowedAndDeniedPerPolicyAndTheDeniedKeys()
    {
        var hitters = new HeavyHitters(_time);

        hitters.Record([Result("api", "a", allowed: true), Result("api", "b", allowed: false)]);
        hitters.Record([Result("api", "b", allowed: false), Result("login", "c", allowed: false)]);

        var summary = hitters.Summary(10);
        Assert.Equal(60, summary.WindowSeconds);
        Assert.Equal([new PolicyTally("api", 1, 2), new PolicyTally("login", 0, 1)], summary.Policies);
        Assert.Equal([new DeniedKey("api", "b", 2), new DeniedKey("login", "c", 1)], summary.Keys);
        Assert.Equal([new DeniedKey("api", "b", 2)], hitters.Summary(1).Keys);
    }

    [Fact]
    public void DecisionsLeaveTheSummaryAfterTheWindow()
    {
        var hitters = new HeavyHitters(_time);
        hitters.Record([Result("api", "old", allowed: false)]);
        _time.Advance(TimeSpan.FromSeconds(30));
        hitters.Record([Result("api", "new", allowed: false), Result("api", "ok", allowed: true)]);

        _time.Advance(TimeSpan.FromSeconds(35));
        var later = hitters.Summary(10);

        Assert.Equal([new DeniedKey("api", "new", 1)], later.Keys);
        Assert.Equal([new PolicyTally("api", 1, 1)], later.Policies);

        _time.Advance(HeavyHitters.Window);
        var empty = hitters.Summary(10);
        Assert.Empty(empty.Keys);
        Assert.Empty(empty.Policies);
    }

    [Fact]
    public void AnAllowedDecisionAllocatesNothing()
    {
        var hitters = new HeavyHitters(TimeProvider.System);
        CheckResult[] results = [Result("api", "a", allowed: true)];
        hitters.Record(results); // the policy's counters are made on its first decision

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            hitters.Record(results);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void PoliciesBeyondTheBoundAreNotCounted()
    {
        var hitters = new HeavyHitters(_time);
        for (var i = 0; i <= HeavyHitters.MaxPolicies; i++)
        {
            hitters.Record([Result($"p{i}", "k", allowed: true)]);
        }

        Assert.Equal(HeavyHitters.MaxPolicies, hitters.Summary(1).Policies.Length);
    }

    private static CheckResult Result(string policy, string key, bool allowed) =>
        new(new CheckRequest(policy, key),
            new LimitDecision(allowed, 10, allowed ? 5 : 0, TimeSpan.FromSeconds(1), allowed ? TimeSpan.Zero : TimeSpan.FromSeconds(1)), policy);
}
