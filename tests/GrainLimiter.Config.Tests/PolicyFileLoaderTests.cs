using GrainLimiter.Policies;

namespace GrainLimiter.Config.Tests;

public sealed class PolicyFileLoaderTests
{
    [Fact]
    public void TheShippedDemoFileLoads()
    {
        var policies = PolicyFileLoader.LoadFile(Path.Combine(AppContext.BaseDirectory, "policies.yaml"));

        Assert.Contains(policies, p => p.ShadowMode);
        Assert.Equal(["api-free", "api-paid", "api-enterprise"],
            policies.Where(p => p.Name.StartsWith("api-", StringComparison.Ordinal) && !p.ShadowMode).Select(p => p.Name));
        var legifrance = Assert.Single(policies, p => p.Name == "legifrance-standard");
        Assert.Equal([20L, 24_000L, 280_000L], legifrance.Limits.Select(l => l.Limit));
        Assert.Equal("Europe/Paris", legifrance.Limits[2].TimeZone.Id);
        Assert.Equal(0.9375, legifrance.Limits[2].AlertAt);
        Assert.Equal(Enum.GetValues<LimitAlgorithmKind>().Order(), policies.SelectMany(p => p.Limits).Select(l => l.Algorithm).Distinct().Order());
        Assert.Equal([AdaptiveRule.Multiplier, AdaptiveRule.Aimd], policies.Where(p => p.IsAdaptive).Select(p => p.Limits[0].Adaptive!.Rule));
    }

    [Fact]
    public void ScopeGlobalIsReadAndRefusedForAlgorithmsThatCannotCountAcrossRegions()
    {
        var policies = PolicyFileLoader.Parse("""
            policies:
              - name: plan
                scope: global
                limits:
                  - { algorithm: fixed_window, limit: 1000, window: 1h }
                  - { algorithm: gcra, limit: 10, window: 1s }
              - name: local
                limits: [ { algorithm: sliding_log, limit: 5, window: 1s } ]
            """, "p.yaml");
        Assert.Equal([LimitScope.Global, LimitScope.Region], policies.Select(p => p.Scope));

        var error = Assert.Throws<PolicyFileException>(() => PolicyFileLoader.Parse("""
            policies:
              - name: world
                scope: global
                limits:
                  - { algorithm: fixed_window, limit: 10, window: 1s }
                  - { algorithm: leaky_bucket, limit: 10, window: 1s }
              - name: odd
                scope: planet
                limits: [ { algorithm: fixed_window, limit: 10, window: 1s } ]
            """, "p.yaml"));
        Assert.Contains("policies[0] 'world': scope: global is not supported by limits[1].algorithm 'leaky_bucket'", error.Message, StringComparison.Ordinal);
        Assert.Contains("policies[1] 'odd': scope: must be 'region' or 'global', not 'planet'.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LeasesAreAutoUnlessTurnedOffAndAnythingElseIsRefusedNamingTheField()
    {
        var policies = PolicyFileLoader.Parse("""
            policies:
              - name: hot
                limits: [ { algorithm: fixed_window, limit: 10, window: 1s } ]
              - name: exact
                leases: off
                limits: [ { algorithm: fixed_window, limit: 10, window: 1s } ]
              - name: logged
                leases: auto
                limits: [ { algorithm: sliding_log, limit: 10, window: 1s } ]
            """, "p.yaml");
        Assert.Equal([LeaseMode.Auto, LeaseMode.Off, LeaseMode.Auto], policies.Select(p => p.Leases));
        // Auto where every limit supports it: a sliding log's calls always reach its grain.
        Assert.Equal([true, false, false], policies.Select(p => p.LeasesApply));

        var error = Assert.Throws<PolicyFileException>(() => PolicyFileLoader.Parse("""
            policies:
              - name: odd
                leases: Off
                limits: [ { algorithm: fixed_window, limit: 10, window: 1s } ]
            """, "p.yaml"));
        Assert.Contains("(line 3, column 13): policies[0] 'odd': leases: must be 'auto' or 'off', not 'Off'; did you mean 'off'?",
            error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryFieldOfALimitIsRead()
    {
        var policy = PolicyFileLoader.Parse("""
            policies:
              - name: p
                failureMode: closed
                limits:
                  - { algorithm: token_bucket, limit: 20, window: 250ms, burst: 40, alertAt: 0.5, name: burst }
                  - { algorithm: leaky_bucket, limit: 30, window: 1m, maxWait: 2m }
                  - { algorithm: concurrency, limit: 4, leaseTtl: 30s }
                  - { algorithm: quota, limit: 9, period: month, timeZone: America/New_York }
            """, "test").Single();

        Assert.Equal(FailureMode.Closed, policy.FailureMode);
        Assert.Equal(TimeSpan.FromMilliseconds(250), policy.Limits[0].Window);
        Assert.Equal(40, policy.Limits[0].Burst);
        Assert.Equal("burst", policy.Limits[0].Name);
        Assert.Equal(TimeSpan.FromMinutes(2), policy.Limits[1].MaxWait);
        Assert.Equal(TimeSpan.FromSeconds(30), policy.Limits[2].LeaseTtl);
        Assert.Equal(QuotaPeriod.Month, policy.Limits[3].Period);
        Assert.Equal("America/New_York", policy.Limits[3].TimeZone.Id);
    }

    [Theory]
    [InlineData("{ algorithm: fixed_windw, limit: 5, window: 1m }", "limits[0].algorithm: must be one of")]
    [InlineData("{ algorithm: fixed_window, limit: 0, window: 1m }", "limits[0].limit: must be a whole number from 1")]
    [InlineData("{ algorithm: fixed_window, limit: 5 }", "limits[0].window: must be a duration")]
    [InlineData("{ algorithm: fixed_window, limit: 5, window: 5 minutes }", "limits[0].window: must be a duration")]
    [InlineData("{ algorithm: fixed_window, limit: 5, window: 1m, burst: 9 }", "limits[0].burst: applies only to token_bucket and gcra")]
    [InlineData("{ algorithm: quota, limit: 5, timeZone: Europe/Pariss }", "limits[0].timeZone: unknown time zone 'Europe/Pariss'")]
    [InlineData("{ algorithm: quota, limit: 5, period: year }", "limits[0].period: must be day, week or month")]
    [InlineData("{ algorithm: quota, limit: 5, window: 1d }", "limits[0].window: does not apply to quota (use period)")]
    [InlineData("{ algorithm: fixed_window, limit: 5, window: 1m, alertAt: 1.5 }", "limits[0].alertAt: must be a fraction")]
    [InlineData("{ algorithm: sliding_log, limit: 100001, window: 1m }", "limits[0].limit: must be a whole number from 1 to 100000")]
    [InlineData("{ algorithm: concurrency, limit: 5, leaseTtl: forever }", "limits[0].leaseTtl: must be a duration")]
    public void InvalidLimitIsRejectedNamingPolicyFieldAndProblem(string limit, string expected)
    {
        var error = Assert.Throws<PolicyFileException>(() =>
            PolicyFileLoader.Parse($"policies:\n  - name: my-policy\n    limits:\n      - {limit}\n", "policies.yaml"));

        Assert.Contains("policies.yaml", error.Message);
        Assert.Contains($"policies[0] 'my-policy': {expected}", error.Message);
    }

    [Fact]
    public void EveryProblemIsReportedAtOnce()
    {
        var error = Assert.Throws<PolicyFileException>(() => PolicyFileLoader.Parse("""
            policies:
              - name: a
                limits: []
              - name: a
                limits:
                  - { algorithm: gcra, limit: -1, window: 1s }
              - limits:
                  - { algorithm: gcra, limit: 1, window: 1s }
            """, "f.yaml"));

        Assert.Contains("policies[0] 'a': limits: at least one limit", error.Message);
        Assert.Contains("policies[1] 'a': limits[0].limit", error.Message);
        Assert.Contains("policies[2].name: is required", error.Message);
    }

    [Theory]
    [InlineData("policies:\n  - name: a\n    limits:\n      - { algorithm: gcra, limit: 1, window: 1s, colour: red }\n", "line 4")]
    [InlineData("policies: [ { name: a", "(line ")]
    [InlineData("", "at least one policy")]
    public void UnreadableYamlNamesTheLine(string yaml, string expected)
    {
        var error = Assert.Throws<PolicyFileException>(() => PolicyFileLoader.Parse(yaml, "p.yaml"));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void DuplicatePolicyNamesAreRejected()
    {
        var error = Assert.Throws<PolicyFileException>(() => PolicyFileLoader.Parse(
            "policies:\n  - { name: a, limits: [ { algorithm: gcra, limit: 1, window: 1s } ] }\n"
            + "  - { name: a, limits: [ { algorithm: gcra, limit: 1, window: 1s } ] }\n", "p.yaml"));

        Assert.Contains("policies[1] 'a': name: is used by another policy", error.Message);
    }
}
