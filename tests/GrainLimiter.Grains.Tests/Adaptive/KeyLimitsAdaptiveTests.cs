using GrainLimiter.Adaptive;
using GrainLimiter.Grains.Persistence;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Tests.Adaptive;

/// <summary>A key's adaptive limit: reports move the limit decisions are judged against, usage carries over, an override wins,
/// a reset starts again at the configured limit, and what was learned survives the store and a policy reload.</summary>
public sealed class KeyLimitsAdaptiveTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero));

    private long Now => _time.GetUtcNow().UtcTicks;

    private static LimitSpec Spec(AdaptiveRule rule = AdaptiveRule.Multiplier, long min = 10, long max = 100, long limit = 50) => new()
    {
        Algorithm = LimitAlgorithmKind.FixedWindow,
        Limit = limit,
        Window = TimeSpan.FromHours(1),
        Name = "l",
        Adaptive = new AdaptiveSpec { Min = min, Max = max, Rule = rule, By = AdaptiveSignal.SuccessRate, MinSamples = 10 },
    };

    private static KeyLimits Key(LimitSpec spec) => new("k", new CompiledPolicy(new PolicyDefinition { Name = "p", Limits = [spec] }));

    // Reports the same outcomes once per interval, `times` times.
    private void Report(KeyLimits key, int successes, int failures, int times = 3)
    {
        for (var i = 0; i < times; i++)
        {
            key.Report(Now, new OutcomeTally(successes, failures, 0, 0));
            _time.Advance(TimeSpan.FromSeconds(1));
        }
    }

    private long Admit(KeyLimits key)
    {
        var admitted = 0;
        while (admitted < 1_000 && key.TryAcquire(Now, 1).Allowed)
        {
            admitted++;
        }

        return admitted;
    }

    [Fact]
    public void A_static_policy_ignores_reports()
    {
        var key = Key(Spec() with { Adaptive = null });

        Assert.False(key.Report(Now, new OutcomeTally(10, 0, 0, 0)));
        Assert.Equal(50, Admit(key));
    }

    [Fact]
    public void Decisions_are_judged_against_the_learned_limit_with_usage_kept()
    {
        var key = Key(Spec());
        Assert.Equal(20, Enumerable.Range(0, 20).Count(_ => key.TryAcquire(Now, 1).Allowed));

        // 80 % success: the multiplier rule sets 10 + 90 * 0.8 = 82.
        Report(key, 8, 2);

        var decision = key.Evaluate(Now, 0);
        Assert.Equal(82, decision.Limit);
        Assert.Equal(62, decision.Remaining);
        Assert.Equal(62, Admit(key));
        var view = key.Inspect(Now).Limits[0];
        Assert.Equal(50, view.Limit);
        Assert.Equal(82, view.EffectiveLimit);
        Assert.NotNull(view.Adaptive);
        Assert.Equal(0.8, view.Adaptive.SuccessRate!.Value, 3);
    }

    [Fact]
    public void Failing_callers_fall_to_min()
    {
        var key = Key(Spec());

        Report(key, 0, 20);

        Assert.Equal(10, Admit(key));
    }

    [Fact]
    public void Aimd_adds_after_healthy_intervals_and_multiplies_down_after_an_unhealthy_one()
    {
        var key = Key(Spec(AdaptiveRule.Aimd) with
        {
            Adaptive = new AdaptiveSpec { Min = 10, Max = 100, Rule = AdaptiveRule.Aimd, By = AdaptiveSignal.SuccessRate, Increase = 5, Decrease = 0.5 }
        });

        // The first report starts the interval; each later one closes it.
        Report(key, 10, 0, times: 3);
        Assert.Equal(60, key.Evaluate(Now, 0).Limit);

        Report(key, 5, 5, times: 1);
        Assert.Equal(30, key.Evaluate(Now, 0).Limit);
    }

    [Fact]
    public void An_override_wins_over_adaptation_and_adaptation_resumes_when_it_is_removed()
    {
        var key = Key(Spec());
        key.SetOverride(new KeyOverride([new LimitOverride("l", 7, null)]), Now);

        Report(key, 20, 0);
        Assert.Equal(7, key.Evaluate(Now, 0).Limit);

        key.SetOverride(null, Now);
        Assert.Equal(100, key.Evaluate(Now, 0).Limit);
    }

    [Fact]
    public void A_reset_starts_again_at_the_configured_limit()
    {
        var key = Key(Spec());
        Report(key, 20, 0);
        Assert.Equal(100, key.Evaluate(Now, 0).Limit);

        key.Reset();

        Assert.Equal(50, key.Evaluate(Now, 0).Limit);
        Assert.Null(key.Inspect(Now).Limits[0].Adaptive!.SuccessRate);
    }

    [Fact]
    public void What_was_learned_survives_the_store()
    {
        var key = Key(Spec());
        Report(key, 8, 2);
        Assert.Equal(20, Enumerable.Range(0, 20).Count(_ => key.TryAcquire(Now, 1).Allowed));

        var restored = Key(Spec());
        GrainStateCodec.Read(restored, GrainStateCodec.Write(key));

        Assert.Equal(82, restored.Evaluate(Now, 0).Limit);
        Assert.Equal(62, Admit(restored));
        Assert.Equal(key.Inspect(Now).Limits[0].Adaptive, restored.Inspect(Now).Limits[0].Adaptive);
    }

    [Fact]
    public void What_was_learned_carries_over_a_reload_within_the_new_bounds()
    {
        var key = Key(Spec());
        Report(key, 20, 0);

        var reloaded = key.WithPolicy(new CompiledPolicy(new PolicyDefinition { Name = "p", Limits = [Spec(max: 70)] }), Now);

        Assert.Equal(70, reloaded.Evaluate(Now, 0).Limit);
    }

    [Fact]
    public void Learned_state_is_kept_by_the_store_for_five_windows_after_the_last_report()
    {
        var key = Key(Spec() with { Window = TimeSpan.FromSeconds(1) });
        Report(key, 20, 0, times: 1);

        Assert.Equal(TimeSpan.FromMinutes(5), key.FreshAfter(Now) + TimeSpan.FromSeconds(1));
    }
}
