using GrainLimiter.Policies;

namespace GrainLimiter.Config.Tests;

/// <summary>A limit's <c>adaptive</c> block in the policy file: every field read, defaults, and each problem named by its field.</summary>
public sealed class PolicyFileAdaptiveTests
{
    [Fact]
    public void EveryFieldOfAnAdaptiveBlockIsRead()
    {
        var policy = Parse("""
            { algorithm: token_bucket, limit: 100, window: 1s, adaptive: { min: 20, max: 400, by: latency, rule: aimd, target: 150ms, window: 2m,
              interval: 5s, minSamples: 30, increase: 10, decrease: 0.5 } }
            """).Single();

        Assert.True(policy.IsAdaptive);
        Assert.False(policy.LeasesApply);
        var limit = Assert.Single(policy.Limits);
        Assert.Equal(100, limit.Limit);
        Assert.Equal(TimeSpan.FromSeconds(1), limit.Window);
        Assert.Equal(new AdaptiveSpec
        {
            Min = 20,
            Max = 400,
            By = AdaptiveSignal.Latency,
            Rule = AdaptiveRule.Aimd,
            Target = TimeSpan.FromMilliseconds(150),
            Window = TimeSpan.FromMinutes(2),
            Interval = TimeSpan.FromSeconds(5),
            MinSamples = 30,
            Increase = 10,
            Decrease = 0.5,
        }, limit.Adaptive);
    }

    [Fact]
    public void OnlyMinAndMaxAreRequiredTheRestTakeTheSpecsDefaults()
    {
        var policy = Parse("""
            - algorithm: gcra
              limit: 50
              window: 1s
              adaptive:
                min: 50
                max: 50
            - { algorithm: fixed_window, limit: 10, window: 1m }
            """).Single();

        Assert.Equal(new AdaptiveSpec { Min = 50, Max = 50 }, policy.Limits[0].Adaptive);
        Assert.Equal(AdaptiveSignal.Both, policy.Limits[0].Adaptive!.By);
        Assert.Equal(AdaptiveRule.Multiplier, policy.Limits[0].Adaptive!.Rule);
        Assert.Equal((TimeSpan.FromMilliseconds(200), TimeSpan.FromMinutes(1), TimeSpan.FromSeconds(1), 10, (long?)null, 0.7),
            (policy.Limits[0].Adaptive!.Target, policy.Limits[0].Adaptive!.Window, policy.Limits[0].Adaptive!.Interval, policy.Limits[0].Adaptive!.MinSamples,
            policy.Limits[0].Adaptive!.Increase, policy.Limits[0].Adaptive!.Decrease));
        Assert.Null(policy.Limits[1].Adaptive);
        Assert.True(policy.IsAdaptive);
    }

    [Fact]
    public void AimdWithoutIncreaseOrDecreaseLeavesTheStepToTheSpec()
    {
        var adaptive = Parse("{ algorithm: sliding_window, limit: 100, window: 1s, adaptive: { min: 1, max: 1000, rule: aimd, by: success_rate } }")
            .Single().Limits[0].Adaptive!;

        Assert.Null(adaptive.Increase);
        Assert.Equal(49, adaptive.IncreaseStep);
        Assert.Equal(0.7, adaptive.Decrease);
        Assert.Equal(AdaptiveSignal.SuccessRate, adaptive.By);
    }

    [Fact]
    public void AnyAlgorithmMayAdaptUpToItsOwnLargestLimit()
    {
        var policies = PolicyFileLoader.Parse("""
            policies:
              - name: log
                limits: [ { algorithm: sliding_log, limit: 10, window: 1s, adaptive: { min: 1, max: 100000 } } ]
              - name: held
                limits: [ { algorithm: concurrency, limit: 10, adaptive: { min: 2, max: 40 } } ]
              - name: daily
                limits: [ { algorithm: quota, limit: 1000, period: day, adaptive: { min: 100, max: 1000000000000 } } ]
              - name: queued
                limits: [ { algorithm: leaky_bucket, limit: 10, window: 1s, adaptive: { min: 5, max: 20 } } ]
            """, "p.yaml");

        Assert.Equal([100_000L, 40L, 1_000_000_000_000L, 20L], policies.Select(p => p.Limits[0].Adaptive!.Max));
        Assert.Equal(LimitBounds.MaxLimit(LimitAlgorithmKind.SlidingLog), policies[0].Limits[0].Adaptive!.Max);
    }

    [Fact]
    public void AnAdaptivePolicyWithLeasesAutoLoadsAndSimplyTakesNoLeases()
    {
        var policy = PolicyFileLoader.Parse("""
            policies:
              - name: p
                leases: auto
                limits: [ { algorithm: token_bucket, limit: 10, window: 1s, adaptive: { min: 1, max: 20 } } ]
            """, "p.yaml").Single();

        Assert.Equal(LeaseMode.Auto, policy.Leases);
        Assert.False(policy.LeasesApply);
    }

    private const string NoSteps = "between min and max by the health score, with no steps.";

    [Theory]
    [InlineData("adaptive: { max: 400 }", "limits[0].adaptive.min: is required: the lowest limit adaptation may set, from 1 to the limit (100).")]
    [InlineData("adaptive: { min: 20 }", "limits[0].adaptive.max: is required: the highest limit adaptation may set, from the limit (100) to 1000000000000.")]
    [InlineData("adaptive: { min: 0, max: 400 }", "limits[0].adaptive.min: must be a whole number from 1 to the limit (100); got '0'.")]
    [InlineData("adaptive: { min: 101, max: 400 }", "limits[0].adaptive.min: must be a whole number from 1 to the limit (100); got '101'.")]
    [InlineData("adaptive: { min: few, max: 400 }", "limits[0].adaptive.min: must be a whole number from 1 to the limit (100); got 'few'.")]
    [InlineData("adaptive: { min: 20, max: 99 }",
        "limits[0].adaptive.max: must be a whole number from the limit (100) to 1000000000000 for token_bucket; got '99'.")]
    [InlineData("adaptive: { min: 20, max: 1000000000001 }",
        "limits[0].adaptive.max: must be a whole number from the limit (100) to 1000000000000 for token_bucket; got '1000000000001'.")]
    [InlineData("adaptive: { min: 20, max: 400, by: errors }", "limits[0].adaptive.by: must be success_rate, latency or both; got 'errors'.")]
    [InlineData("adaptive: { min: 20, max: 400, by: sucess_rate }",
        "limits[0].adaptive.by: must be success_rate, latency or both; got 'sucess_rate'; did you mean 'success_rate'?")]
    [InlineData("adaptive: { min: 20, max: 400, rule: AIMD }", "limits[0].adaptive.rule: must be multiplier or aimd; got 'AIMD'; did you mean 'aimd'?")]
    [InlineData("adaptive: { min: 20, max: 400, target: fast }", "limits[0].adaptive.target: must be a duration such as 250ms")]
    [InlineData("adaptive: { min: 20, max: 400, target: 2h }",
        "limits[0].adaptive.target: must be at most 1h (the latency a healthy request stays within); got '2h'.")]
    [InlineData("adaptive: { min: 20, max: 400, by: success_rate, target: 100ms }",
        "limits[0].adaptive.target: applies only when by is latency or both (the latency a healthy request stays within).")]
    [InlineData("adaptive: { min: 20, max: 400, window: 0s }", "limits[0].adaptive.window: must be a duration such as 250ms")]
    [InlineData("adaptive: { min: 20, max: 400, window: 2d }",
        "limits[0].adaptive.window: must be at most 1d (the time outcomes are smoothed over); got '2d'.")]
    [InlineData("adaptive: { min: 20, max: 400, interval: -1s }", "limits[0].adaptive.interval: must be a duration such as 250ms")]
    [InlineData("adaptive: { min: 20, max: 400, window: 30s, interval: 1m }",
        "limits[0].adaptive.interval: must be at most the adaptive window (30s): the limit is revised from outcomes of that window; got '1m'.")]
    [InlineData("adaptive: { min: 20, max: 400, window: 500ms }",
        "limits[0].adaptive.interval: must be at most the adaptive window (500ms): the limit is revised from outcomes of that window; got '1s'.")]
    [InlineData("adaptive: { min: 20, max: 400, minSamples: 0 }", "limits[0].adaptive.minSamples: must be a whole number from 1 to 1000000; got '0'.")]
    [InlineData("adaptive: { min: 20, max: 400, minSamples: 1000001 }",
        "limits[0].adaptive.minSamples: must be a whole number from 1 to 1000000; got '1000001'.")]
    [InlineData("adaptive: { min: 20, max: 400, rule: aimd, increase: 0 }",
        "limits[0].adaptive.increase: must be a whole number from 1 to 1000000000000 (units added after a healthy interval); got '0'.")]
    [InlineData("adaptive: { min: 20, max: 400, rule: aimd, increase: 2.5 }",
        "limits[0].adaptive.increase: must be a whole number from 1 to 1000000000000 (units added after a healthy interval); got '2.5'.")]
    [InlineData("adaptive: { min: 20, max: 400, rule: aimd, decrease: 1 }",
        "limits[0].adaptive.decrease: must be a fraction in (0, 1), e.g. 0.7 (what the limit is multiplied by after an unhealthy interval); got '1'.")]
    [InlineData("adaptive: { min: 20, max: 400, rule: aimd, decrease: 0 }",
        "limits[0].adaptive.decrease: must be a fraction in (0, 1), e.g. 0.7 (what the limit is multiplied by after an unhealthy interval); got '0'.")]
    [InlineData("adaptive: { min: 20, max: 400, rule: aimd, decrease: half }",
        "limits[0].adaptive.decrease: must be a fraction in (0, 1), e.g. 0.7 (what the limit is multiplied by after an unhealthy interval); got 'half'.")]
    [InlineData("adaptive: { min: 20, max: 400, increase: 5 }",
        "limits[0].adaptive.increase: applies only to rule aimd; the multiplier rule (the default) scales the limit " + NoSteps)]
    [InlineData("adaptive: { min: 20, max: 400, rule: multiplier, decrease: 0.5 }",
        "limits[0].adaptive.decrease: applies only to rule aimd; the multiplier rule (the default) scales the limit " + NoSteps)]
    [InlineData("adaptive: 20..400", "limits[0].adaptive: must be a mapping of how the limit adapts, e.g. { min: 20, max: 400 }.")]
    [InlineData("adaptive: { min: [20], max: 400 }", "limits[0].adaptive.min: must be a single value, not a list or a mapping.")]
    public void AnInvalidAdaptiveValueIsNamedByItsField(string adaptive, string expected)
    {
        var error = Assert.Throws<PolicyFileException>(() => Parse($"{{ algorithm: token_bucket, limit: 100, window: 1s, {adaptive} }}"));

        Assert.Contains(error.Errors, e => e.StartsWith("policies.yaml (line 4, column ", StringComparison.Ordinal)
            && e.Contains($"policies[0] 'p': {expected}", StringComparison.Ordinal));
    }

    [Fact]
    public void AnAdaptiveMaxIsBoundedByTheAlgorithmsLargestLimit()
    {
        var error = Assert.Throws<PolicyFileException>(() => Parse("{ algorithm: concurrency, limit: 10, adaptive: { min: 1, max: 100001 } }"));

        Assert.Contains("policies[0] 'p': limits[0].adaptive.max: must be a whole number from the limit (10) to 100000 for concurrency; got '100001'.",
            Assert.Single(error.Errors), StringComparison.Ordinal);
    }

    [Fact]
    public void AnUnknownAdaptiveFieldIsNamedWithTheFieldsAllowedAndTheClosestOne()
    {
        var error = Assert.Throws<PolicyFileException>(() => Parse("""
            - algorithm: token_bucket
              limit: 100
              window: 1s
              adaptive:
                min: 20
                max: 400
                min_samples: 10
                colour: red
            """));

        const string Fields = "(fields: min, max, by, rule, target, window, interval, minSamples, increase, decrease)";
        Assert.Equal(
        [
            "policies.yaml (line 10, column 11): policies[0] 'p': limits[0].adaptive: " +
                $"'min_samples' is not a field of an adaptive limit {Fields}; did you mean 'minSamples'?",
            $"policies.yaml (line 11, column 11): policies[0] 'p': limits[0].adaptive: 'colour' is not a field of an adaptive limit {Fields}.",
        ], error.Errors);
    }

    [Fact]
    public void ScopeGlobalIsRefusedForAnAdaptiveLimitBecauseEachRegionLearnsOnItsOwn()
    {
        var error = Assert.Throws<PolicyFileException>(() => PolicyFileLoader.Parse("""
            policies:
              - name: world
                scope: global
                limits:
                  - { algorithm: fixed_window, limit: 1000, window: 1h }
                  - { algorithm: token_bucket, limit: 10, window: 1s, adaptive: { min: 1, max: 20 } }
            """, "p.yaml"));

        Assert.Equal(
            ["p.yaml (line 3, column 12): policies[0] 'world': scope: global does not apply to limits[1], which is adaptive: " +
                "adaptive limits are regional: each region's grain learns from the reports it gets."],
            error.Errors);
    }

    [Fact]
    public void EveryAdaptiveProblemIsReportedAtOnce()
    {
        var error = Assert.Throws<PolicyFileException>(() => Parse(
            "{ algorithm: token_bucket, limit: 100, window: 1s, adaptive: { min: 0, max: 5, by: speed, rule: aimd, decrease: 2, minSamples: none } }"));

        Assert.Equal(["min", "max", "by", "minSamples", "decrease"], error.Errors.Select(e => e.Split(".adaptive.")[1].Split(':')[0]));
    }

    /// <summary>The policy <c>p</c> with <paramref name="limits"/>: one limit's flow mapping, or list items starting with <c>- </c>.</summary>
    private static IReadOnlyList<PolicyDefinition> Parse(string limits)
    {
        var items = limits.StartsWith('-') ? limits : "- " + limits.ReplaceLineEndings(" ");
        var indented = string.Join('\n', items.ReplaceLineEndings("\n").Split('\n').Select(line => "      " + line));
        return PolicyFileLoader.Parse($"policies:\n  - name: p\n    limits:\n{indented}\n", "policies.yaml");
    }
}
