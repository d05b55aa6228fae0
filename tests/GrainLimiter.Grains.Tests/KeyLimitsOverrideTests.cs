using GrainLimiter.Grains.Overrides;
using GrainLimiter.Grains.Persistence;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests;

/// <summary>An operator's override raises and lowers a key's limit for every algorithm with a limit, usage kept.</summary>
public sealed class KeyLimitsOverrideTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 6, 10, 12, 0, 0, TimeSpan.Zero));

    private long Now => _time.GetUtcNow().UtcTicks;

    public static TheoryData<LimitAlgorithmKind> Algorithms() => new(Enum.GetValues<LimitAlgorithmKind>());

    private static LimitSpec Spec(LimitAlgorithmKind algorithm, long limit = 4) => new()
    {
        Algorithm = algorithm,
        Limit = limit,
        Window = algorithm is LimitAlgorithmKind.Concurrency or LimitAlgorithmKind.Quota ? TimeSpan.Zero : TimeSpan.FromMinutes(1),
        MaxWait = algorithm == LimitAlgorithmKind.LeakyBucket ? TimeSpan.FromMinutes(1) : TimeSpan.Zero,
        LeaseTtl = algorithm == LimitAlgorithmKind.Concurrency ? TimeSpan.FromMinutes(1) : TimeSpan.Zero,
        Name = "l",
    };

    private static KeyLimits Key(params LimitSpec[] limits) =>
        new("k", new CompiledPolicy(new PolicyDefinition { Name = "p", Limits = limits }));

    private static KeyOverride Override(long? limit = null, double? multiplier = null, DateTimeOffset? expiresAt = null, string name = "l") =>
        new([new LimitOverride(name, limit, multiplier)], expiresAt);

    // Unit requests admitted at one instant by a fresh key: the limit, or for a leaky bucket the queue it accepts.
    private static long AtOnce(LimitAlgorithmKind algorithm, long limit) => algorithm == LimitAlgorithmKind.LeakyBucket ? limit + 1 : limit;

    private long Admit(KeyLimits key)
    {
        var admitted = 0;
        while (admitted < 1000 && key.TryAcquire(Now, 1).Allowed)
        {
            admitted++;
        }

        return admitted;
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void RaisedLimitAdmitsMoreWithUsageKept(LimitAlgorithmKind algorithm)
    {
        var key = Key(Spec(algorithm));
        Assert.Equal(2, Enumerable.Range(0, 2).Count(_ => key.TryAcquire(Now, 1).Allowed));

        key.SetOverride(Override(limit: 8), Now);

        Assert.Equal(AtOnce(algorithm, 8) - 2, Admit(key));
        Assert.Equal(8, key.Inspect(Now).Limits[0].EffectiveLimit);
        Assert.Equal(4, key.Inspect(Now).Limits[0].Limit);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void LoweredLimitAdmitsLessWithUsageKept(LimitAlgorithmKind algorithm)
    {
        var key = Key(Spec(algorithm, limit: 10));
        key.TryAcquire(Now, 1);

        key.SetOverride(Override(limit: 3), Now);

        Assert.Equal(AtOnce(algorithm, 3) - 1, Admit(key));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void LimitLoweredBelowTheUsageDeniesUntilItIsFreed(LimitAlgorithmKind algorithm)
    {
        var key = Key(Spec(algorithm, limit: 10));
        Assert.Equal(AtOnce(algorithm, 10) - 5, Enumerable.Range(0, (int)AtOnce(algorithm, 10) - 5).Count(_ => key.TryAcquire(Now, 1).Allowed));

        key.SetOverride(Override(limit: 2), Now);

        Assert.Equal(0, Admit(key));
        _time.Advance(algorithm == LimitAlgorithmKind.Quota ? TimeSpan.FromDays(1) : TimeSpan.FromMinutes(10));
        Assert.Equal(AtOnce(algorithm, 2), Admit(key));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void MultiplierScalesThePolicysLimit(LimitAlgorithmKind algorithm)
    {
        var key = Key(Spec(algorithm));

        key.SetOverride(Override(multiplier: 2.5), Now);

        Assert.Equal(AtOnce(algorithm, 10), Admit(key));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void ExpiredOverrideStopsApplyingAtTheFirstDecisionAfterIt(LimitAlgorithmKind algorithm)
    {
        var key = Key(Spec(algorithm, limit: 10));
        key.SetOverride(Override(limit: 1, expiresAt: _time.GetUtcNow().AddSeconds(1)), Now);
        Assert.Equal(AtOnce(algorithm, 1), Admit(key));

        _time.Advance(TimeSpan.FromSeconds(1));

        Assert.Null(key.Inspect(Now).Override);
        Assert.Equal(AtOnce(algorithm, 10) - AtOnce(algorithm, 1), Admit(key));
    }

    [Fact]
    public void ConfiguredBurstScalesWithTheOverriddenRate()
    {
        var spec = Spec(LimitAlgorithmKind.TokenBucket, limit: 10) with { Burst = 20 };
        var key = Key(spec);

        key.SetOverride(Override(limit: 5), Now);

        Assert.Equal(10, Admit(key));
        Assert.Equal(10, KeyOverrides.Apply(spec, new LimitOverride("l", 5, null)).Capacity);
    }

    [Fact]
    public void OnlyTheNamedLimitIsOverridden()
    {
        var key = Key(Spec(LimitAlgorithmKind.FixedWindow) with { Name = "a" }, Spec(LimitAlgorithmKind.FixedWindow, 6) with { Name = "b" });

        key.SetOverride(Override(limit: 100, name: "a"), Now);

        Assert.Equal(6, Admit(key));
        Assert.Equal([100, 6], key.Inspect(Now).Limits.Select(static l => l.EffectiveLimit));
    }

    [Fact]
    public void ClearedOverrideGivesBackThePolicysLimit()
    {
        var key = Key(Spec(LimitAlgorithmKind.SlidingWindow));
        key.SetOverride(Override(limit: 8), Now);
        Assert.Equal(8, Admit(key));

        key.SetOverride(null, Now);

        Assert.Equal(0, Admit(key));
        Assert.Null(key.Inspect(Now).Override);
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void OverrideAndUsageSurviveTheCodec(LimitAlgorithmKind algorithm)
    {
        var key = Key(Spec(algorithm));
        var value = Override(limit: 8, expiresAt: _time.GetUtcNow().AddHours(1));
        key.SetOverride(value, Now);
        key.TryAcquire(Now, 3);
        var restored = Key(Spec(algorithm));

        GrainStateCodec.Read(restored, GrainStateCodec.Write(key));

        Assert.Equal(value, restored.Override);
        Assert.Equal(AtOnce(algorithm, 8) - 3, Admit(restored));
    }

    [Fact]
    public void MultiplierSurvivesTheCodec()
    {
        var key = Key(Spec(LimitAlgorithmKind.FixedWindow));
        key.SetOverride(Override(multiplier: 1.5), Now);
        var restored = Key(Spec(LimitAlgorithmKind.FixedWindow));

        GrainStateCodec.Read(restored, GrainStateCodec.Write(key));

        Assert.Equal(1.5, restored.Override!.Limits[0].Multiplier);
        Assert.Equal(6, Admit(restored));
    }

    [Fact]
    public void GlobalKeyKeepsItsRegionCountsAndOverrideThroughTheCodec()
    {
        var policy = new CompiledPolicy(new PolicyDefinition { Name = "g", Limits = [Spec(LimitAlgorithmKind.FixedWindow)], Scope = LimitScope.Global });
        var key = new KeyLimits("k", policy, "eu");
        key.SetOverride(Override(limit: 6), Now);
        key.TryAcquire(Now, 2);
        var restored = new KeyLimits("k", policy, "eu");

        GrainStateCodec.Read(restored, GrainStateCodec.Write(key));

        Assert.Equal(key.RegionCounts().Counts, restored.RegionCounts().Counts);
        Assert.Equal(6, restored.Inspect(Now).Limits[0].EffectiveLimit);
        Assert.Equal(4, Admit(restored));
    }

    [Fact]
    public void KeyWithoutOverrideIsStillWrittenAsVersionOne()
    {
        var key = Key(Spec(LimitAlgorithmKind.FixedWindow));
        key.TryAcquire(Now, 1);

        Assert.Equal(1, GrainStateCodec.Write(key)[0]);
        key.SetOverride(Override(limit: 5), Now);
        Assert.Equal(3, GrainStateCodec.Write(key)[0]);
    }

    [Fact]
    public void OverrideKeepsTheStateUntilItExpires()
    {
        var key = Key(Spec(LimitAlgorithmKind.FixedWindow));
        Assert.Equal(TimeSpan.Zero, key.FreshAfter(Now));

        key.SetOverride(Override(limit: 5, expiresAt: _time.GetUtcNow().AddHours(3)), Now);

        Assert.Equal(TimeSpan.FromHours(3), key.FreshAfter(Now));
        key.SetOverride(Override(limit: 5), Now);
        Assert.Equal(TimeSpan.MaxValue, key.FreshAfter(Now));
    }

    [Theory]
    [MemberData(nameof(Algorithms))]
    public void ReloadedLimitKeepsItsUsageAgainstTheNewLimit(LimitAlgorithmKind algorithm)
    {
        var key = Key(Spec(algorithm));
        key.TryAcquire(Now, 1);
        key.TryAcquire(Now, 1);

        var reloaded = key.WithPolicy(new CompiledPolicy(new PolicyDefinition { Name = "p", Limits = [Spec(algorithm, limit: 6)] }), Now);

        Assert.Equal(AtOnce(algorithm, 6) - 2, Admit(reloaded));
    }

    [Fact]
    public void ReloadedLimitWhoseAlgorithmChangedStartsFresh()
    {
        var key = Key(Spec(LimitAlgorithmKind.FixedWindow));
        Assert.Equal(4, Admit(key));

        var reloaded = key.WithPolicy(new CompiledPolicy(new PolicyDefinition { Name = "p", Limits = [Spec(LimitAlgorithmKind.SlidingLog)] }), Now);

        Assert.Equal(4, Admit(reloaded));
    }

    [Fact]
    public void ReloadCarriesUsageByLimitNameAndTheOverride()
    {
        var key = Key(Spec(LimitAlgorithmKind.FixedWindow) with { Name = "a" }, Spec(LimitAlgorithmKind.FixedWindow, 100) with { Name = "b" });
        key.SetOverride(Override(limit: 5, name: "a"), Now);
        key.TryAcquire(Now, 3);

        // Reordered, "b" gone, "c" new.
        var reloaded = key.WithPolicy(new CompiledPolicy(new PolicyDefinition
        {
            Name = "p",
            Limits = [Spec(LimitAlgorithmKind.FixedWindow, 50) with { Name = "c" }, Spec(LimitAlgorithmKind.FixedWindow, 4) with { Name = "a" }],
        }), Now);

        var view = reloaded.Inspect(Now);
        Assert.Equal(["c", "a"], view.Limits.Select(static l => l.Name));
        Assert.Equal([0L, 3L], view.Limits.Select(static l => l.Used));
        Assert.Equal(5, view.Limits[1].EffectiveLimit);
        Assert.Equal(2, Admit(reloaded));
    }
}
