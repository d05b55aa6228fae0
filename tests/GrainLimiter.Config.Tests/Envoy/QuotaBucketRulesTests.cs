using GrainLimiter.QuotaBuckets;

namespace GrainLimiter.Config.Tests.Envoy;

/// <summary>The policy file's quotaBuckets section: how buckets are matched, and every problem named with its line and field.</summary>
public sealed class QuotaBucketRulesTests
{
    private const string File = """
        quotaBuckets:
          - name: per-tenant
            domain: envoy
            match: { name: api, tenant: "t-*" }
            limit: 100
            window: 1s
          - name: any-api
            match: { name: "api*" }
            limit: 0
            window: 90s
            strategy: token_bucket
            assignmentTtl: 3s
            abandonAfter: 1m
        """;

    [Fact]
    public void A_file_of_quota_buckets_alone_needs_no_policies_and_a_bucket_takes_the_first_entry_that_matches()
    {
        var file = PolicyFileLoader.ParseFile(File, "q.yaml");
        Assert.Empty(file.Policies);
        var buckets = file.QuotaBuckets;

        Assert.Equal("per-tenant",
            buckets.Find("envoy", new Dictionary<string, string> { ["name"] = "api", ["tenant"] = "t-acme", ["route"] = "x" })?.Spec.Name);
        Assert.Equal("any-api", buckets.Find("other", new Dictionary<string, string> { ["name"] = "api", ["tenant"] = "t-acme" })?.Spec.Name);
        Assert.Equal("any-api", buckets.Find("envoy", new Dictionary<string, string> { ["name"] = "api-v2" })?.Spec.Name);
        Assert.Null(buckets.Find("envoy", new Dictionary<string, string> { ["tenant"] = "t-acme" }));

        var spec = buckets.Rules[1].Spec;
        Assert.Equal(
            new QuotaBucketSpec("any-api", 0, TimeSpan.FromSeconds(90), QuotaStrategy.TokenBucket, TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(1)),
            spec);
        Assert.Equal((TimeSpan.FromSeconds(10), TimeSpan.FromMinutes(5), QuotaStrategy.RequestsPerTimeUnit),
            (buckets.Rules[0].Spec.AssignmentTtl, buckets.Rules[0].Spec.AbandonAfter, buckets.Rules[0].Spec.Strategy));
    }

    [Fact]
    public void Every_problem_is_named_with_its_line_and_field()
    {
        var error = Assert.Throws<PolicyFileException>(() => PolicyFileLoader.Parse("""
            policies:
              - name: p
                limits:
                  - { algorithm: fixed_window, limit: 1, window: 1m }
            quotaBuckets:
              - name: a
                match: { name: a }
                limit: lots
                window: 90s
                strategy: token_bukket
              - name: b
                limit: 1
                window: 1m
                assignmentTtl: 100ms
                colour: blue
              - name: c
                match: { name: c }
                limit: 1
                window: 90s
              - name: c
                match: { name: "" }
                limit: 1
                window: 1s
            """, "p.yaml"));

        Assert.Contains("p.yaml (line 8, column 12): quotaBuckets[0] 'a'.limit: must be a whole number from 0 (deny all)",
            error.Message, StringComparison.Ordinal);
        Assert.Contains("quotaBuckets[0] 'a'.strategy: must be requests_per_time_unit or token_bucket; got 'token_bukket'; did you mean 'token_bucket'?",
            error.Message, StringComparison.Ordinal);
        Assert.Contains("quotaBuckets[1] 'b'.match: is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("quotaBuckets[1] 'b'.assignmentTtl: must be a duration of at least 1s", error.Message, StringComparison.Ordinal);
        Assert.Contains("quotaBuckets[1] 'b': 'colour' is not a field of a quota bucket", error.Message, StringComparison.Ordinal);
        Assert.Contains("quotaBuckets[2] 'c'.window: must be one time unit (1s, 1m, 1h, 1d or 1w) for requests_per_time_unit",
            error.Message, StringComparison.Ordinal);
        Assert.Contains("quotaBuckets[3] 'c'.match: every entry is a bucket id key and a value", error.Message, StringComparison.Ordinal);
    }
}
