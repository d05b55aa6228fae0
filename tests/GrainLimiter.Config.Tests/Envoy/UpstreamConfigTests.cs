using GrainLimiter.Config.Envoy;
using GrainLimiter.Protocol.Envoy.Common;
using Google.Protobuf.WellKnownTypes;

namespace GrainLimiter.Config.Tests.Envoy;

/// <summary>envoyproxy/ratelimit's own configuration files (copies in Upstream/, see its README): every valid one loads
/// unchanged, every invalid one is refused, and descriptors match them as envoyproxy/ratelimit's config_test.go says.</summary>
public sealed class UpstreamConfigTests
{
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "Envoy", "Upstream");
    private static readonly string RuntimeRoot = Path.Combine(Root, "test", "integration", "runtime", "current");

    public static TheoryData<string> ValidFiles() =>
    [
        "examples/ratelimit/config/config.yaml",
        "examples/ratelimit/config/example.yaml",
        "test/config/basic_config.yaml",
        "test/config/merge_domain_key1.yaml",
        "test/config/merge_domain_key2.yaml",
        "test/config/metadata.yaml",
        "test/config/shadowmode_config.yaml",
        "test/config/share_threshold.yaml",
        "test/config/wildcard.yaml",
        "test/integration/runtime/current/ratelimit/config/another.yaml",
        "test/integration/runtime/current/ratelimit/config/basic.yaml",
        "test/integration/runtime/current/ratelimit/config/share_threshold.yaml",
        "test/integration/runtime/current/ratelimit/reload.yaml",
    ];

    /// <summary>Each invalid case of config_test.go: the files loaded together, MERGE_DOMAIN_CONFIG, and what the refusal names.</summary>
    public static TheoryData<string[], bool, string> InvalidCases() => new()
    {
        { ["test/config/bad_limit_unit.yaml"], false, "descriptors[0].rate_limit.unit: 'foo' is not a unit" },
        { ["test/config/bad_yaml.yaml"], false, "not valid YAML" },
        {
            ["test/config/basic_config.yaml", "test/config/duplicate_domain.yaml"], false,
            "duplicate_domain.yaml (line 1, column 9): domain: 'test-domain' is already defined"
        },
        { ["test/config/duplicate_key.yaml"], false, "descriptors[1]: duplicate descriptor 'test-domain.key1_value1'" },
        { ["test/config/empty_domain.yaml"], false, "domain: is required" },
        { ["test/config/empty_key.yaml"], false, "descriptors[0].key: is required" },
        { ["test/config/merge_domain_key1.yaml", "test/config/merge_domain_key1.yaml"], true, "duplicate descriptor 'test-domain.key1_value1'" },
        { ["test/config/misspelled_key.yaml"], false, "'ratelimit' is not a field of a descriptor" },
        { ["test/config/misspelled_key2.yaml"], false, "'requestsperunit' is not a field of a rate_limit" },
        { ["test/config/non_map_list.yaml"], false, "descriptors[0]: must be a mapping" },
        { ["test/config/non_string_key.yaml"], false, "'0.25' is not a field of a descriptor file" },
        { ["test/config/replaces_empty.yaml"], false, "replaces[0].name: is required" },
        { ["test/config/replaces_self.yaml"], false, "replaces[0].name: 'self' is this limit's own name" },
        { ["test/config/unlimited_with_unit.yaml"], false, "rate_limit.unit: must not be set when 'unlimited' is true" },
    };

    [Theory]
    [MemberData(nameof(ValidFiles))]
    public void Every_valid_file_loads_unchanged(string file)
    {
        var config = EnvoyConfigLoader.Load([Upstream(file)]);
        Assert.Single(config.Domains);
    }

    [Theory]
    [MemberData(nameof(InvalidCases))]
    public void Every_invalid_case_is_refused_naming_its_problem(string[] files, bool merge, string problem)
    {
        var error = Assert.Throws<EnvoyConfigException>(() =>
            EnvoyConfigLoader.Load(new EnvoyConfigSources { ConfigPaths = [.. files.Select(Upstream)], MergeDomainConfig = merge }));
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Runtime_layout_loads_every_file_of_the_app_directory()
    {
        var config = EnvoyConfigLoader.Load(new EnvoyConfigSources { RuntimeRoot = RuntimeRoot, RuntimeSubdirectory = "ratelimit" });
        Assert.Equal(["another", "basic", "share-threshold-test"], config.Domains.Keys.Order(StringComparer.Ordinal));
        // reload.yaml sits beside config/, outside the app directory: envoyproxy/ratelimit's reload test copies it in.
        Assert.DoesNotContain("reload", config.Domains.Keys);
        Assert.Equal(20u, Match(config, "another", "key2=x").Limit.RequestsPerUnit);

        var missing = Assert.Throws<EnvoyConfigException>(() =>
            EnvoyConfigLoader.Load(new EnvoyConfigSources { RuntimeRoot = RuntimeRoot, RuntimeSubdirectory = "nope" }));
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Runtime_layout_reads_nested_files_of_any_name_and_can_skip_dot_files()
    {
        var root = Directory.CreateTempSubdirectory("grainlimiter-runtime-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "rl", "config", "team"));
            File.WriteAllText(Path.Combine(root, "rl", "config", "team", "limits"), "domain: nested\n");
            File.WriteAllText(Path.Combine(root, "rl", "config", ".hidden.yaml"), "domain: [broken\n");

            Assert.Throws<EnvoyConfigException>(() => EnvoyConfigLoader.Load(new EnvoyConfigSources { RuntimeRoot = root, RuntimeSubdirectory = "rl" }));
            var config = EnvoyConfigLoader.Load(new EnvoyConfigSources { RuntimeRoot = root, RuntimeSubdirectory = "rl", RuntimeIgnoreDotFiles = true });
            Assert.Equal(["nested"], config.Domains.Keys);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Merged_domain_takes_descriptors_from_every_file()
    {
        var config = EnvoyConfigLoader.Load(new EnvoyConfigSources
        {
            ConfigPaths = [Upstream("test/config/merge_domain_key1.yaml"), Upstream("test/config/merge_domain_key2.yaml")],
            MergeDomainConfig = true,
        });
        Assert.Equal(10u, Match(config, "test-domain", "key1=value1").Limit.RequestsPerUnit);
        Assert.Equal(20u, Match(config, "test-domain", "key2=value2").Limit.RequestsPerUnit);

        var refused = Assert.Throws<EnvoyConfigException>(() =>
            EnvoyConfigLoader.Load([Upstream("test/config/merge_domain_key1.yaml"), Upstream("test/config/merge_domain_key2.yaml")]));
        Assert.Contains("MergeDomainConfig", refused.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("key1=value1|subkey1=something", 5u, "test-domain.key1_value1.subkey1")]
    [InlineData("key1=value1|subkey1=subvalue1", 10u, "test-domain.key1_value1.subkey1_subvalue1")]
    [InlineData("key2=something", 20u, "test-domain.key2")]
    [InlineData("key2=value2", 30u, "test-domain.key2_value2")]
    [InlineData("key3=foo", 1u, "test-domain.key3")]
    [InlineData("key7=unspecified_value", 70u, "test-domain.key7_unspecified_value")]
    [InlineData("key7=another_value", 70u, "test-domain.key7_another_value")]
    public void Basic_config_matches_as_upstream(string entries, uint requestsPerUnit, string statsKey)
    {
        var match = Match(Load("test/config/basic_config.yaml"), "test-domain", entries);
        Assert.Equal(requestsPerUnit, match.Limit.RequestsPerUnit);
        Assert.Equal(statsKey, match.StatsKey);
    }

    [Theory]
    [InlineData("key1=something")]
    [InlineData("key1=value1")]
    [InlineData("key2=value2|subkey=subvalue")]
    [InlineData("key5=value5|subkey5=subvalue")]
    [InlineData("key2=value3")]
    public void Basic_config_leaves_unmatched_descriptors_unlimited(string entries) =>
        Assert.Null(Load("test/config/basic_config.yaml").Match("test-domain", Entries(entries)));

    [Theory]
    [InlineData("wild=foo1", "test-domain.wild_foo*")]
    [InlineData("wild=foo2", "test-domain.wild_foo*")]
    [InlineData("nestedWild=val1|wild=goo2", "test-domain.nestedWild_val1.wild_goo*")]
    [InlineData("noVal=foo1", "test-domain.noVal")]
    [InlineData("midWild=barab", "test-domain.midWild_bar*b")]
    [InlineData("midWild=bar123b", "test-domain.midWild_bar*b")]
    [InlineData("midWild=barb", "test-domain.midWild_bar*b")]
    [InlineData("multiWild=foo123bar456baz", "test-domain.multiWild_foo*bar*baz")]
    [InlineData("multiWild=foobarbaz", "test-domain.multiWild_foo*bar*baz")]
    public void Wildcards_match_in_any_position(string entries, string statsKey) =>
        Assert.Equal(statsKey, Match(Load("test/config/wildcard.yaml"), "test-domain", entries).StatsKey);

    [Theory]
    [InlineData("wild=bar")]
    [InlineData("noWild=foo1")]
    [InlineData("midWild=bara")]
    [InlineData("midWild=xbarb")]
    [InlineData("multiWild=foo123baz")]
    [InlineData("multiWild=bar456baz")]
    public void Wildcards_do_not_match_what_their_pattern_excludes(string entries) =>
        Assert.Null(Load("test/config/wildcard.yaml").Match("test-domain", Entries(entries)));

    [Theory]
    [InlineData("files=files/a.pdf", "files/*", "test-domain.files_files/*", 100u)]
    [InlineData("route=api/v1|method=GET", "api/*|", "test-domain.route_api/*.method", 60u)]
    [InlineData("service=svc/user|endpoint=get", "svc/*|", "test-domain.service_svc/*.endpoint_get", 80u)]
    [InlineData("nested=parent|files=nested/file1.txt", "|nested/*", "test-domain.nested_parent.files_nested/*", 200u)]
    [InlineData("files=top/file1.txt|files=nested/file1.txt", "top/*|nested/*", "test-domain.files_top/*.files_nested/*", 300u)]
    [InlineData("path=path/foo|file=file/doc1|type=pdf", "path/*||", "test-domain.path_path/*.file_file/*.type", 120u)]
    [InlineData("user=user/alice|resource=res/file1|action=read", "user/*|res/*|", "test-domain.user_user/*.resource_res/*.action", 150u)]
    [InlineData("file=test1", "", "test-domain.file_test1", 50u)]
    [InlineData("file=test2", "test*", "test-domain.file_test*", 100u)]
    [InlineData("midpath=/api/v1", "/api*v1", "test-domain.midpath_/api*v1", 100u)]
    [InlineData("multiroute=svcAepBrpc", "svc*ep*rpc", "test-domain.multiroute_svc*ep*rpc", 50u)]
    [InlineData("midroute=/api-beta-v2", "/api*v2", "test-domain.midroute_/api*v2", 80u)]
    [InlineData("tenant=t1prod|resource=resAv2", "t*prod|res*v2", "test-domain.tenant_t*prod.resource_res*v2", 60u)]
    public void Share_threshold_counts_every_matching_value_under_its_pattern(string entries, string shared, string statsKey, uint requestsPerUnit)
    {
        var match = Match(Load("test/config/share_threshold.yaml"), "test-domain", entries);
        Assert.Equal(requestsPerUnit, match.Limit.RequestsPerUnit);
        Assert.Equal(statsKey, match.StatsKey);
        var expected = shared.Length == 0 ? null : shared.Split('|').Select(static s => s.Length == 0 ? null : s).ToArray();
        Assert.Equal(expected, match.SharedValues);
    }

    [Fact]
    public void Share_threshold_needs_a_wildcard()
    {
        var error = Assert.Throws<EnvoyConfigException>(() =>
            EnvoyConfigLoader.Parse([("s.yaml", "domain: d\ndescriptors:\n  - key: k\n    value: plain\n    share_threshold: true\n")]));
        Assert.Contains("descriptors[0].share_threshold: applies only to a wildcard value", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Metadata_and_quota_mode_load_as_written()
    {
        var metadata = Load("test/config/metadata.yaml");
        Assert.Equal("service_1", Match(metadata, "test-domain", "key1=value1|subkey1=x").Limit.Metadata!.Fields["name"].StringValue);
        Assert.Null(Match(metadata, "test-domain", "key1=value1|subkey1=subvalue1").Limit.Metadata);
        Assert.Equal("service_2", Match(metadata, "test-domain", "key2=x").Limit.Metadata!.Fields["service_with_quota"].StructValue.Fields["name"].StringValue);

        var example = Load("examples/ratelimit/config/example.yaml");
        var service = Match(example, "rl", "service=service_2").Limit;
        Assert.True(service.QuotaMode);
        Assert.Equal(2u, service.RequestsPerUnit);
        Assert.False(Match(example, "rl", "foo=x").Limit.QuotaMode);
        Assert.True(Match(example, "rl", "foo=x|baz=shady").Limit.ShadowMode);
        Assert.Equal("rl.unspec_anything", Match(example, "rl", "unspec=anything").StatsKey);
    }

    [Fact]
    public void Metadata_values_keep_their_yaml_types()
    {
        var config = EnvoyConfigLoader.Parse([("m.yaml", """
            domain: d
            descriptors:
              - key: k
                rate_limit: { unit: second, requests_per_unit: 1 }
                metadata: { count: 3, ratio: 0.5, on: true, quoted: "7", list: [a, 1], nothing: ~ }
            """)]);
        var fields = Match(config, "d", "k=v").Limit.Metadata!.Fields;
        Assert.Equal(3, fields["count"].NumberValue);
        Assert.Equal(0.5, fields["ratio"].NumberValue);
        Assert.True(fields["on"].BoolValue);
        Assert.Equal("7", fields["quoted"].StringValue);
        Assert.Equal(Value.KindOneofCase.ListValue, fields["list"].KindCase);
        Assert.Equal(Value.KindOneofCase.NullValue, fields["nothing"].KindCase);
    }

    [Theory]
    [InlineData("route=draw|http_method=GET|subject_id=123", "domain.route_draw.http_method_GET.subject_id")]
    [InlineData("route=|http_method=GET|subject_id=123", "domain.route.http_method_GET.subject_id")]
    [InlineData("route=draw|http_method=|subject_id=123", "domain.route_draw.http_method.subject_id")]
    public void Value_to_metric_puts_request_values_in_the_stats_key(string entries, string statsKey)
    {
        var config = EnvoyConfigLoader.Parse([("v.yaml", """
            domain: domain
            descriptors:
              - key: route
                value_to_metric: true
                descriptors:
                  - key: http_method
                    value_to_metric: true
                    descriptors:
                      - key: subject_id
                        rate_limit: { unit: minute, requests_per_unit: 60 }
            """)]);
        Assert.Equal(statsKey, Match(config, "domain", entries).StatsKey);
    }

    [Fact]
    public void Value_to_metric_uses_runtime_values_of_wildcards_and_configured_values_otherwise()
    {
        var config = EnvoyConfigLoader.Parse([("v.yaml", """
            domain: d
            descriptors:
              - key: user
                value_to_metric: true
                descriptors:
                  - key: action
                    value: read*
                    value_to_metric: true
                    descriptors:
                      - key: resource
                        rate_limit: { unit: minute, requests_per_unit: 100 }
                  - key: method
                    value: GET
                    descriptors:
                      - key: subject_id
                        detailed_metric: true
                        rate_limit: { unit: minute, requests_per_unit: 60 }
            """)]);
        Assert.Equal("d.user_alice.action_readfile.resource", Match(config, "d", "user=alice|action=readfile|resource=documents").StatsKey);
        // detailed_metric at the leaf wins over value_to_metric.
        Assert.Equal("d.user_bob.method_GET.subject_id_42", Match(config, "d", "user=bob|method=GET|subject_id=42").StatsKey);
    }

    [Theory]
    [InlineData("key-1=value-1", true, false, "nested.key-1_value-1")]
    [InlineData("key-1=value-1", false, false, "nested.key-1")]
    [InlineData("key-1=value-1|key-2=value-2", true, true, "nested.key-1_value-1.key-2_value-2")]
    [InlineData("key-1=value-1|key-2=value-2", false, false, "nested.key-1.key-2")]
    public void Detailed_metric_puts_every_request_value_in_the_stats_key(string entries, bool outer, bool inner, string statsKey)
    {
        var config = EnvoyConfigLoader.Parse([("d.yaml", $"""
            domain: nested
            descriptors:
              - key: key-1
                detailed_metric: {outer.ToString().ToLowerInvariant()}
                rate_limit: {"{"} unit: minute, requests_per_unit: 100 {"}"}
                descriptors:
                  - key: key-2
                    detailed_metric: {inner.ToString().ToLowerInvariant()}
                    rate_limit: {"{"} unit: minute, requests_per_unit: 5 {"}"}
            """)]);
        Assert.Equal(statsKey, Match(config, "nested", entries).StatsKey);
    }

    private static string Upstream(string file) => Path.Combine(Root, file);

    private static EnvoyRateLimitConfig Load(string file) => EnvoyConfigLoader.Load([Upstream(file)]);

    private static EnvoyMatch Match(EnvoyRateLimitConfig config, string domain, string entries) =>
        config.Match(domain, Entries(entries)) ?? throw new Xunit.Sdk.XunitException($"{domain} {entries} matched no limit.");

    private static List<RateLimitDescriptor.Types.Entry> Entries(string entries) =>
        entries.Split('|').Select(e => e.Split('=', 2)).Select(p => new RateLimitDescriptor.Types.Entry { Key = p[0], Value = p[1] }).ToList();
}
