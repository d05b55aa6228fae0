namespace GrainLimiter.Config.Tests;

/// <summary>Policy-file problems as a person reads them: file, line and column, the field as written, the fields allowed, a suggestion.</summary>
public sealed class PolicyFileProblemsTests
{
    [Fact]
    public void AMisspelledFieldIsNamedWithItsLineTheAllowedFieldsAndTheClosestOne()
    {
        var error = Assert.Throws<PolicyFileException>(() => PolicyFileLoader.Parse("""
            policies:
              - name: demo
                limts:
                  - { algorithm: fixed_window, limit: 5, window: 1m }
            """, "policies.yaml"));

        Assert.Contains(
            "policies.yaml (line 3, column 5): policies[0] 'demo': 'limts' is not a field of a policy "
                + "(fields: name, shadowMode, failureMode, scope, leases, limits); did you mean 'limits'?",
            error.Errors);
        Assert.StartsWith("policies.yaml is invalid:" + Environment.NewLine + "  policies.yaml (line 3, column 5): ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EveryUnknownFieldIsReportedNotOnlyTheFirst()
    {
        var error = Assert.Throws<PolicyFileException>(() => PolicyFileLoader.Parse("""
            polices: []
            policies:
              - name: a
                shadowmode: true
                limits:
                  - { algorithm: token_bucket, limit: 5, windw: 1s, brust: 9 }
                  - algorithm: fixed_window
                    limit: 5
                    window: 1m
                    colour: blue
            """, "p.yaml"));

        Assert.Equal(
        [
            "p.yaml (line 1, column 1): 'polices' is not a field of the policy file (fields: policies, quotaBuckets); did you mean 'policies'?",
            "p.yaml (line 4, column 5): policies[0] 'a': 'shadowmode' is not a field of a policy "
                + "(fields: name, shadowMode, failureMode, scope, leases, limits); did you mean 'shadowMode'?",
            "p.yaml (line 6, column 46): policies[0] 'a': limits[0]: 'windw' is not a field of a limit "
                + "(fields: algorithm, limit, window, burst, period, timeZone, alertAt, maxWait, leaseTtl, adaptive, name); did you mean 'window'?",
            "p.yaml (line 6, column 57): policies[0] 'a': limits[0]: 'brust' is not a field of a limit "
                + "(fields: algorithm, limit, window, burst, period, timeZone, alertAt, maxWait, leaseTtl, adaptive, name); did you mean 'burst'?",
            "p.yaml (line 10, column 9): policies[0] 'a': limits[1]: 'colour' is not a field of a limit "
                + "(fields: algorithm, limit, window, burst, period, timeZone, alertAt, maxWait, leaseTtl, adaptive, name).",
        ], error.Errors.Where(e => e.Contains("is not a field", StringComparison.Ordinal)));
    }

    [Fact]
    public void AProblemWithAValueNamesTheLineAndColumnOfThatValue()
    {
        var error = Assert.Throws<PolicyFileException>(() => PolicyFileLoader.Parse("""
            policies:
              - name: legifrance-standard
                limits:
                  - { algorithm: token_bucket, limit: 20, window: 1s, burst: 20, name: per-second }
                  - { algorithm: fixed_window, limit: 24000, window: 1h, name: per-hour }
                  - { algorithm: quota, limit: 280000, period: day, timeZone: Europe/Pariss, name: per-day }
            """, "policies.yaml"));

        Assert.Equal(
            ["policies.yaml (line 6, column 67): policies[0] 'legifrance-standard': limits[2].timeZone: unknown time zone 'Europe/Pariss' "
                + "(use an IANA name such as Europe/Paris)."],
            error.Errors);
    }

    [Theory]
    [InlineData("{ algorithm: fixed_windw, limit: 5, window: 1m }",
        "limits[0].algorithm: must be one of fixed_window, sliding_window, sliding_log, token_bucket, gcra, leaky_bucket, concurrency, quota; "
        + "got 'fixed_windw'; did you mean 'fixed_window'?")]
    [InlineData("{ algorithm: fixed_window, limit: lots, window: 1m }",
        "limits[0].limit: must be a whole number from 1 to 1000000000000 for fixed_window; got 'lots'.")]
    [InlineData("{ algorithm: fixed_window, limit: [5], window: 1m }", "limits[0].limit: must be a single value, not a list or a mapping.")]
    [InlineData("{ algorithm: quota, limit: 5, period: mnth }", "limits[0].period: must be day, week or month; got 'mnth'; did you mean 'month'?")]
    [InlineData("{ algorithm: token_bucket, limit: 1, window: 3660d, burst: 1000000000000 }",
        "limits[0].burst: refilling 1000000000000 at 1 per 3660d would take over 1000 years; lower burst or window.")]
    public void AWrongValueIsNamedWithWhatIsAllowed(string limit, string expected)
    {
        var error = Assert.Throws<PolicyFileException>(() =>
            PolicyFileLoader.Parse($"policies:\n  - name: p\n    limits:\n      - {limit}\n", "policies.yaml"));

        Assert.Contains(error.Errors, e => e.StartsWith("policies.yaml (line 4, column ", StringComparison.Ordinal)
            && e.EndsWith($"policies[0] 'p': {expected}", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("policies:\n  - name: p\n    shadowMode: maybe\n    limits: [ { algorithm: gcra, limit: 1, window: 1s } ]\n",
        "p.yaml (line 3, column 17): policies[0] 'p': shadowMode: must be true or false, not 'maybe'.")]
    [InlineData("policies:\n  - name: p\n    failureMode: clsoed\n    limits: [ { algorithm: gcra, limit: 1, window: 1s } ]\n",
        "p.yaml (line 3, column 18): policies[0] 'p': failureMode: must be 'open' or 'closed', not 'clsoed'; did you mean 'closed'?")]
    [InlineData("policies:\n  - name: p\n    limits: per-second\n",
        "p.yaml (line 3, column 13): policies[0] 'p': limits: must be a list of limits (each item starting with '- ').")]
    [InlineData("policies: demo\n", "p.yaml (line 1, column 11): policies: must be a list of policies (each item starting with '- ').")]
    [InlineData("- demo\n", "p.yaml (line 1, column 1): the file must be a mapping whose field 'policies' lists the policies.")]
    [InlineData("policies:\n  -\n", "p.yaml (line 2, column 4): policies[0]: is empty.")]
    public void AWrongShapeIsNamedWithItsPosition(string yaml, string expected)
    {
        var error = Assert.Throws<PolicyFileException>(() => PolicyFileLoader.Parse(yaml, "p.yaml"));

        Assert.Contains(expected, error.Errors);
    }

    [Theory]
    [InlineData("limts", "limits")]
    [InlineData("timezone", "timeZone")]
    [InlineData("windw", "window")]
    [InlineData("algoritm", "algorithm")]
    [InlineData("colour", null)]
    [InlineData("x", null)]
    [InlineData("lim", null)]
    public void SuggestionsAreMadeOnlyWhenAFieldIsClose(string written, string? expected) =>
        Assert.Equal(expected, Suggestion.Closest(written, LimitFields));

    private static readonly string[] LimitFields =
        ["algorithm", "limit", "window", "burst", "period", "timeZone", "alertAt", "maxWait", "leaseTtl", "name", "limits"];
}
