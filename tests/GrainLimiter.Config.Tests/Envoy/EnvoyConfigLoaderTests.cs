using GrainLimiter.Config.Envoy;
using GrainLimiter.Policies;
using GrainLimiter.Protocol.Envoy.Common;

namespace GrainLimiter.Config.Tests.Envoy;

/// <summary>envoyproxy/ratelimit YAML loading and descriptor matching.</summary>
public sealed class EnvoyConfigLoaderTests
{
    /// <summary>The example the silo tests serve (GrpcSiloFixture.ExampleConfig), linked into this project's output.</summary>
    private static readonly string ExampleConfig = Path.Combine(AppContext.BaseDirectory, "Envoy", "ratelimit-example.yaml");

    private static readonly EnvoyRateLimitConfig Example = EnvoyConfigLoader.Load([ExampleConfig]);

    [Theory]
    [InlineData("remote_address=1.2.3.4", "gl-test.remote_address", 3u)]
    [InlineData("remote_address=10.0.0.1", "gl-test.remote_address_10.0.0.1", 5u)]
    [InlineData("client_id=acme|path=/api/users", "gl-test.client_id_acme.path_/api/*", 2u)]
    [InlineData("client_id=acme|path=/other", "gl-test.client_id_acme.path", 4u)]
    [InlineData("bucket=b", "gl-test.bucket", 2u)]
    public void Descriptor_matches_the_most_specific_configured_limit(string entries, string fullKey, uint requestsPerUnit)
    {
        var limit = Example.Match("gl-test", Entries(entries))?.Limit;
        Assert.NotNull(limit);
        Assert.Equal(fullKey, limit.FullKey);
        Assert.Equal(requestsPerUnit, limit.RequestsPerUnit);
        Assert.Equal("envoy:" + fullKey, limit.Policy!.Name);
    }

    [Theory]
    [InlineData("gl-test", "client_id=acme")]
    [InlineData("gl-test", "client_id=other|path=/api/x")]
    [InlineData("gl-test", "remote_address=1.2.3.4|extra=x")]
    [InlineData("gl-test", "health=x")]
    [InlineData("gl-test", "unknown=x")]
    [InlineData("other-domain", "remote_address=1.2.3.4")]
    public void Descriptor_without_a_limit_at_its_depth_is_whitelisted(string domain, string entries) =>
        Assert.Null(Example.Match(domain, Entries(entries)));

    [Fact]
    public void Example_options_load_as_written()
    {
        var trial = Example.Match("gl-test", Entries("trial=x"))!.Limit;
        Assert.True(trial.ShadowMode && trial.Policy!.ShadowMode);
        var internalLimit = Example.Match("gl-test", Entries("internal=x"))!.Limit;
        Assert.True(internalLimit.Unlimited);
        Assert.Null(internalLimit.Policy);
        var promo = Example.Match("gl-test", Entries("promo=spring"))!.Limit;
        Assert.Equal(["free-tier"], promo.Replaces);
        Assert.Equal("spring-promo", promo.Name);
        Assert.Equal(TimeSpan.FromDays(1), promo.Policy!.Limits[0].Window);
    }

    [Fact]
    public void Every_problem_is_reported_with_file_line_and_path()
    {
        const string yaml = """
            domain: bad
            descriptors:
              - key: a
                rate_limit: { unit: fortnight, requests_per_unit: 1 }
              - key: b
                rate_limit: { unlimited: true, unit: second }
              - key: c
                rate_limit: { unit: second, requests_per_unit: -3 }
              - key: d
                rate_limit: { unit: second, requests_per_unit: 1, name: d, replaces: [ { name: d } ] }
              - key: a
              - value: nokey
              - key: e
                colour: blue
                rate_limit: { unit: second, requests_per_unit: 1, algorithm: leaky_bucket }
              - key: f
                shadow_mode: maybe
            """;
        var error = Assert.Throws<EnvoyConfigException>(() => EnvoyConfigLoader.Parse([("bad.yaml", yaml)]));

        Assert.Contains("bad.yaml (line 4, column 25): descriptors[0].rate_limit.unit: 'fortnight' is not a unit", error.Message, StringComparison.Ordinal);
        Assert.Contains("descriptors[1].rate_limit.unit: must not be set when 'unlimited' is true", error.Message, StringComparison.Ordinal);
        Assert.Contains("descriptors[2].rate_limit.requests_per_unit: '-3' is not a whole number", error.Message, StringComparison.Ordinal);
        Assert.Contains("descriptors[3].rate_limit.replaces[0].name: 'd' is this limit's own name", error.Message, StringComparison.Ordinal);
        Assert.Contains("descriptors[4]: duplicate descriptor 'bad.a'", error.Message, StringComparison.Ordinal);
        Assert.Contains("descriptors[5].key: is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("(line 14, column 5): descriptors[6]: 'colour' is not a field of a descriptor (fields: key, value, rate_limit, descriptors, "
            + "shadow_mode, quota_mode, detailed_metric, value_to_metric, share_threshold, metadata).", error.Message, StringComparison.Ordinal);
        Assert.Contains("descriptors[6].rate_limit.algorithm: 'leaky_bucket' is not supported", error.Message, StringComparison.Ordinal);
        Assert.Contains("descriptors[7].shadow_mode: 'maybe' is not true or false", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Problems_come_out_in_the_order_fields_are_checked_whether_of_shape_or_of_value()
    {
        // Shape problems (unknown field, not a single value, not a mapping) and value problems interleave, field by field;
        // nothing under a descriptor without a key or defined twice is reported.
        const string yaml = """
            domain: order
            colour: red
            descriptors:
              - key: a
                rate_limit: { unit: fortnight, requests_per_unit: { n: 1 }, burst: x, colour: blue }
              - key: b
                value: { x: 1 }
                shadow_mode: maybe
                metadata: [1]
                rate_limit: seven
              - value: nokey
                descriptors:
                  - key: [x]
              - key: a
                descriptors: 5
              - 42
              - key: c
                share_threshold: true
                rate_limit: { unit: second, requests_per_unit: 0, algorithm: token_bucket, scope: [x] }
            """;
        var error = Assert.Throws<EnvoyConfigException>(() => EnvoyConfigLoader.Parse([("order.yaml", yaml)]));

        Assert.Equal(
        [
            "order.yaml (line 2, column 1): 'colour' is not a field of a descriptor file (fields: domain, descriptors).",
            "order.yaml (line 5, column 75): descriptors[0].rate_limit: 'colour' is not a field of a rate_limit " +
                "(fields: unit, requests_per_unit, unlimited, name, replaces, algorithm, burst, scope).",
            "order.yaml (line 5, column 25): descriptors[0].rate_limit.unit: 'fortnight' is not a unit; " +
                "use one of second, minute, hour, day, week, month, year.",
            "order.yaml (line 5, column 55): descriptors[0].rate_limit.requests_per_unit: must be a single value.",
            "order.yaml (line 5, column 72): descriptors[0].rate_limit.burst: 'x' is not a whole number of at least 1.",
            "order.yaml (line 7, column 12): descriptors[1].value: must be a single value.",
            "order.yaml (line 8, column 18): descriptors[1].shadow_mode: 'maybe' is not true or false.",
            "order.yaml (line 9, column 15): descriptors[1].metadata: must be a mapping (it is returned to Envoy as dynamic metadata).",
            "order.yaml (line 10, column 17): descriptors[1].rate_limit: must be a mapping with 'unit' and 'requests_per_unit' (or 'unlimited: true').",
            "order.yaml (line 11, column 5): descriptors[2].key: is required and must not be empty.",
            "order.yaml (line 14, column 5): descriptors[3]: duplicate descriptor 'order.a' at this level.",
            "order.yaml (line 16, column 5): descriptors[4]: must be a mapping with 'key' and optionally 'value', 'rate_limit', 'descriptors'.",
            "order.yaml (line 18, column 22): descriptors[5].share_threshold: applies only to a wildcard value (one holding '*'); 'c' has none.",
            "order.yaml (line 19, column 87): descriptors[5].rate_limit.scope: must be a single value.",
            "order.yaml (line 19, column 17): descriptors[5].rate_limit: cannot be counted: requests_per_unit must be at least 1 for token_bucket and gcra.",
        ], error.Errors);
    }

    [Fact]
    public void Scope_global_is_an_extension_key_refused_for_algorithms_that_cannot_count_across_regions()
    {
        var config = EnvoyConfigLoader.Parse(
            [("g.yaml", "domain: g\ndescriptors:\n  - key: plan\n    rate_limit: { unit: hour, requests_per_unit: 1000, scope: global }\n")]);
        Assert.Equal(LimitScope.Global, Assert.Single(config.Limits).Policy!.Scope);

        var error = Assert.Throws<EnvoyConfigException>(() => EnvoyConfigLoader.Parse([("bad.yaml", """
            domain: bad
            descriptors:
              - key: a
                rate_limit: { unit: second, requests_per_unit: 1, algorithm: sliding_log, scope: global }
              - key: b
                rate_limit: { unit: second, requests_per_unit: 1, scope: everywhere }
            """)]));
        Assert.Contains("descriptors[0].rate_limit.scope: global is not supported by algorithm 'sliding_log'", error.Message, StringComparison.Ordinal);
        Assert.Contains("descriptors[1].rate_limit.scope: 'everywhere' is not a scope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Domains_must_be_named_and_unique_across_files()
    {
        var error = Assert.Throws<EnvoyConfigException>(() => EnvoyConfigLoader.Parse(
        [
            ("one.yaml", "domain: shared\ndescriptors: []"),
            ("two.yaml", "domain: shared\n"),
            ("three.yaml", "descriptors: []"),
            ("four.yaml", "domain: [x"),
        ]));

        Assert.Contains("two.yaml (line 1, column 9): domain: 'shared' is already defined in one.yaml", error.Message, StringComparison.Ordinal);
        Assert.Contains("MergeDomainConfig", error.Message, StringComparison.Ordinal);
        Assert.Contains("three.yaml (line 1, column 1): domain: is required", error.Message, StringComparison.Ordinal);
        Assert.Contains("four.yaml (line", error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid YAML", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directories_load_every_yaml_file_and_missing_paths_are_errors()
    {
        var directory = Directory.CreateTempSubdirectory("grainlimiter-envoy-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(directory, "a.yaml"),
                "domain: a\ndescriptors:\n  - key: k\n    rate_limit: { unit: minute, requests_per_unit: 1 }\n");
            File.WriteAllText(Path.Combine(directory, "b.yml"), "domain: b\n");
            File.WriteAllText(Path.Combine(directory, "notes.txt"), "not yaml: [");

            var config = EnvoyConfigLoader.Load([directory]);
            Assert.Equal(["a", "b"], config.Domains.Keys.Order(StringComparer.Ordinal));
            Assert.Single(config.Limits);

            var missing = Path.Combine(directory, "missing.yaml");
            var error = Assert.Throws<EnvoyConfigException>(() => EnvoyConfigLoader.Load([missing]));
            Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static List<RateLimitDescriptor.Types.Entry> Entries(string entries) =>
        entries.Split('|').Select(e => e.Split('=')).Select(p => new RateLimitDescriptor.Types.Entry { Key = p[0], Value = p[1] }).ToList();
}
