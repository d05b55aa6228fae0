using System.Globalization;
using System.Text.Json.Nodes;
using GrainLimiter.Silo.Tests.Fronts.Grpc;

namespace GrainLimiter.Silo.Tests.Fronts.Envoy;

/// <summary>envoy.service.ratelimit.v3 ShouldRateLimit over the wire (@grpc/grpc-js), against ratelimit-example.yaml.</summary>
[Collection(GrpcSiloCollection.Name)]
public sealed class RateLimitServiceTests(GrpcSiloFixture silo)
{
    private const string Service = "envoy.service.ratelimit.v3.RateLimitService";

    [Fact]
    public async Task Per_value_counters_go_over_limit_after_requests_per_unit()
    {
        var ip = Unique();
        var results = await ShouldRateLimitAsync(Enumerable.Range(0, 4).Select(_ => Request(D(("remote_address", ip)))).ToArray());

        Assert.Equal(["OK", "OK", "OK", "OVER_LIMIT"], results.Select(r => (string)r!["overall_code"]!));
        Assert.Equal(["2", "1", "0", "0"], results.Select(r => Status(r, 0)["limit_remaining"]!.ToString()));
        var limit = Status(results[3], 0)["current_limit"]!;
        Assert.Equal(3, (int)limit["requests_per_unit"]!);
        Assert.Equal("HOUR", (string)limit["unit"]!);
        Assert.InRange(long.Parse((string)Status(results[0], 0)["duration_until_reset"]!["seconds"]!, CultureInfo.InvariantCulture), 0, 3600);
    }

    [Fact]
    public async Task Nested_wildcard_and_key_only_descriptors_pick_their_limits()
    {
        var results = await ShouldRateLimitAsync(
            Request(D(("remote_address", "10.0.0.1"))),
            Request(D(("client_id", "acme"), ("path", "/api/" + Unique()))),
            Request(D(("client_id", "acme"), ("path", "/" + Unique()))),
            Request(D(("client_id", "acme"))),
            Request(D(("remote_address", Unique()), ("deeper", "x"))));

        Assert.Equal(5, (int)Status(results[0], 0)["current_limit"]!["requests_per_unit"]!);
        Assert.Equal("acme-api", (string)Status(results[1], 0)["current_limit"]!["name"]!);
        Assert.Equal(2, (int)Status(results[1], 0)["current_limit"]!["requests_per_unit"]!);
        Assert.Equal(4, (int)Status(results[2], 0)["current_limit"]!["requests_per_unit"]!);
        Assert.Null(Status(results[3], 0)["current_limit"]);
        Assert.Null(Status(results[4], 0)["current_limit"]);
    }

    [Fact]
    public async Task Hits_addend_of_the_request_applies_unless_the_descriptor_sets_its_own()
    {
        var ip = Unique();
        var results = await ShouldRateLimitAsync(
            Request(2, D(("remote_address", ip))),
            Request(2, D(("remote_address", ip))),
            Request(5, D(("remote_address", ip), hits: 0)),
            Request(5, D(("remote_address", ip), hits: 1)),
            Request(0, D(("remote_address", ip))));

        Assert.Equal("1", Status(results[0], 0)["limit_remaining"]!.ToString());
        // Over limit: GrainLimiter charges nothing for a denied request, so 1 is still left.
        Assert.Equal("OVER_LIMIT", (string)results[1]!["overall_code"]!);
        Assert.Equal("1", Status(results[1], 0)["limit_remaining"]!.ToString());
        // The descriptor's hits_addend 0 peeks; 1 charges one although the request says 5.
        Assert.Equal(("OK", "1"), ((string)results[2]!["overall_code"]!, Status(results[2], 0)["limit_remaining"]!.ToString()));
        Assert.Equal(("OK", "0"), ((string)results[3]!["overall_code"]!, Status(results[3], 0)["limit_remaining"]!.ToString()));
        // hits_addend 0 on the request means 1.
        Assert.Equal("OVER_LIMIT", (string)results[4]!["overall_code"]!);
    }

    [Fact]
    public async Task Limit_override_in_the_request_becomes_a_run_time_limit()
    {
        var key = Unique();
        var limited = new { entries = new[] { new { key = "anything", value = key } }, limit = new { requests_per_unit = 1, unit = "DAY" } };
        var results = await ShouldRateLimitAsync(Request(limited), Request(limited),
            Request(new { entries = new[] { new { key = "anything", value = key } }, limit = new { requests_per_unit = 1, unit = "UNKNOWN" } }));

        Assert.Equal("OK", (string)results[0]!["overall_code"]!);
        Assert.Equal(1, (int)Status(results[0], 0)["current_limit"]!["requests_per_unit"]!);
        Assert.Equal("DAY", (string)Status(results[0], 0)["current_limit"]!["unit"]!);
        Assert.Equal("OVER_LIMIT", (string)results[1]!["overall_code"]!);
        Assert.Equal(3, (int)results[2]!["code"]!);
        Assert.Contains("descriptors[0].limit.unit", (string)results[2]!["details"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Shadow_unlimited_and_whitelisted_descriptors_never_deny()
    {
        var trial = Unique();
        var results = await ShouldRateLimitAsync(
            Request(D(("trial", trial))),
            Request(D(("trial", trial)), D(("internal", "x")), D(("health", "x")), D(("not-configured", "x"))),
            Request("no-such-domain", D(("remote_address", "1.2.3.4"))));

        var second = results[1]!;
        Assert.Equal("OK", (string)second["overall_code"]!);
        Assert.Equal(("OK", "0"), ((string)Status(second, 0)["code"]!, Status(second, 0)["limit_remaining"]!.ToString()));
        Assert.NotNull(Status(second, 0)["current_limit"]);
        Assert.Equal(("OK", uint.MaxValue.ToString(CultureInfo.InvariantCulture)),
            ((string)Status(second, 1)["code"]!, Status(second, 1)["limit_remaining"]!.ToString()));
        Assert.Null(Status(second, 1)["current_limit"]);
        Assert.All([Status(second, 2), Status(second, 3)], s => Assert.Null(s["current_limit"]));
        Assert.Equal("OK", (string)results[2]!["overall_code"]!);
        Assert.Null(Status(results[2], 0)["current_limit"]);
    }

    [Fact]
    public async Task Descriptors_are_counted_independently_even_when_another_is_over_limit()
    {
        var ip = Unique();
        var bucket = Unique();
        var results = await ShouldRateLimitAsync(
            Request(3, D(("remote_address", ip))),
            Request(D(("remote_address", ip)), D(("bucket", bucket))),
            Request(D(("bucket", bucket))));

        var mixed = results[1]!;
        Assert.Equal("OVER_LIMIT", (string)mixed["overall_code"]!);
        Assert.Equal(["OVER_LIMIT", "OK"], mixed["statuses"]!.AsArray().Select(s => (string)s!["code"]!));
        // The bucket was charged by the request that was over limit overall: one of its two is gone.
        Assert.Equal("0", Status(results[2], 0)["limit_remaining"]!.ToString());
    }

    [Fact]
    public async Task Replaced_limit_does_not_apply_when_its_replacement_matches()
    {
        var results = await ShouldRateLimitAsync(
            Request(D(("user_tier", "free")), D(("promo", "spring"))),
            Request(D(("user_tier", "free")), D(("promo", "spring"))));

        Assert.All(results, r => Assert.Equal("OK", (string)r!["overall_code"]!));
        Assert.Null(Status(results[1], 0)["current_limit"]);
        Assert.Equal("spring-promo", (string)Status(results[1], 1)["current_limit"]!["name"]!);
    }

    [Fact]
    public async Task Response_headers_describe_the_most_constrained_descriptor()
    {
        var results = await ShouldRateLimitAsync(Request(D(("remote_address", Unique())), D(("bucket", Unique()))));

        var headers = Headers(results[0]);
        Assert.Equal("2", headers["RateLimit-Limit"]);
        Assert.Equal("1", headers["RateLimit-Remaining"]);
        Assert.InRange(int.Parse(headers["RateLimit-Reset"], CultureInfo.InvariantCulture), 0, 3600);
    }

    [Fact]
    public async Task Every_descriptor_with_a_limit_is_listed_in_the_draft_headers()
    {
        var results = await ShouldRateLimitAsync(Request(D(("remote_address", Unique())), D(("internal", "x")), D(("promo", "spring"))));

        var headers = Headers(results[0]);
        // Named by the limit's name, or its descriptor's full key; the unlimited descriptor has no limit to list.
        Assert.Equal("\"gl-test.remote_address\";q=3;w=3600, \"spring-promo\";q=100;w=86400", headers["RateLimit-Policy"]);
        Assert.Matches("^\"gl-test.remote_address\";r=2;t=\\d+, \"spring-promo\";r=\\d+;t=\\d+$", headers["RateLimit"]);
    }

    [Fact]
    public async Task Quota_descriptors_fail_the_request_only_when_every_quota_descriptor_is_over()
    {
        var (a, b) = (Unique(), Unique());
        var results = await ShouldRateLimitAsync(
            Request(D(("quota_a", a)), D(("quota_b", b))),
            Request(D(("quota_a", a)), D(("quota_b", Unique()))),
            Request(D(("quota_a", a)), D(("quota_b", b))),
            Request(D(("quota_a", Unique())), D(("bucket", Unique())), D(("bucket", "x" + a)),
                D(("remote_address", a)), D(("remote_address", a)), D(("remote_address", a)), D(("remote_address", a))));

        Assert.Equal("OK", (string)results[0]!["overall_code"]!);
        // quota_a is over, quota_b passes: the request passes, the descriptor still says OVER_LIMIT.
        Assert.Equal("OK", (string)results[1]!["overall_code"]!);
        Assert.Equal(["OVER_LIMIT", "OK"], results[1]!["statuses"]!.AsArray().Select(s => (string)s!["code"]!));
        Assert.Equal("OVER_LIMIT", (string)results[2]!["overall_code"]!);
        // A rate-limit descriptor over its limit fails the request whatever the quotas say.
        Assert.Equal("OVER_LIMIT", (string)results[3]!["overall_code"]!);
    }

    [Fact]
    public async Task Dynamic_metadata_names_the_deciding_descriptor_and_carries_the_metadata_of_those_that_passed()
    {
        var (a, b) = (Unique(), Unique());
        var results = await ShouldRateLimitAsync(
            Request(2, D(("quota_a", a)), D(("quota_b", b))),
            Request(D(("quota_a", a)), D(("remote_address", b)), D(("quota_b", b))));

        var first = Struct(results[0]!["dynamic_metadata"]);
        Assert.Equal("gl-test", (string)first["domain"]!["stringValue"]!);
        Assert.Equal(2, (double)first["hitsAddend"]!["numberValue"]!);
        Assert.Equal("quota_a=" + a,
            (string)Struct(first["descriptors"]!["listValue"]!["values"]![0]!["structValue"])["entries"]!["listValue"]!["values"]![0]!["stringValue"]!);
        // Both quotas are over (hits 2 of a limit of 1): the first decided, and no metadata passed.
        var decided = Struct(first["decidedBy"]!["structValue"]);
        Assert.Equal(("gl-test.quota_a", "OVER_LIMIT", 0d),
            ((string)decided["key"]!["stringValue"]!, (string)decided["code"]!["stringValue"]!, (double)decided["index"]!["numberValue"]!));
        Assert.Null(first["metadata"]);

        var second = Struct(results[1]!["dynamic_metadata"]);
        Assert.Equal("OK", (string)results[1]!["overall_code"]!);
        var service = Struct(Struct(second["metadata"]!["structValue"])["service"]!["structValue"]);
        Assert.Equal(("quota-a", "gold"), ((string)service["name"]!["stringValue"]!, (string)service["tier"]!["stringValue"]!));
        // Nothing over: the descriptor closest to its limit (quota_a, none left) is named.
        var closest = Struct(second["decidedBy"]!["structValue"]);
        Assert.Equal(("gl-test.quota_a", "OK"), ((string)closest["key"]!["stringValue"]!, (string)closest["code"]!["stringValue"]!));
    }

    [Fact]
    public async Task Share_threshold_values_count_against_one_limit()
    {
        var results = await ShouldRateLimitAsync(
            Request(D(("file", "/shared/" + Unique()))),
            Request(D(("file", "/shared/" + Unique()))),
            Request(D(("file", "/shared/" + Unique()))));

        Assert.Equal(["OK", "OK", "OVER_LIMIT"], results.Select(r => (string)r!["overall_code"]!));
    }

    [Fact]
    public async Task Bad_requests_are_invalid_argument_naming_the_field()
    {
        var results = await ShouldRateLimitAsync(
            Request("", D(("a", "b"))),
            new { domain = "gl-test", descriptors = Array.Empty<object>() },
            Request(D(("remote_address", new string('v', 300)))),
            Request(new { entries = Enumerable.Range(0, 17).Select(i => new { key = "k" + i, value = "v" }).ToArray() }),
            Request(D(("", "v"))));

        string[] fields = ["domain", "descriptors has 0", "descriptors[0].entries make a", "descriptors[0].entries has 17", "descriptors[0].entries[0].key"];
        for (var i = 0; i < fields.Length; i++)
        {
            Assert.Equal(3, (int)results[i]!["code"]!);
            Assert.Contains(fields[i], (string)results[i]!["details"]!, StringComparison.Ordinal);
        }
    }

    private async Task<JsonNode?[]> ShouldRateLimitAsync(params object[] requests)
    {
        var calls = requests.Select(r => new { service = Service, method = "ShouldRateLimit", request = r }).ToArray();
        var results = await NodePeer.RunAsync("calls.js", new { address = silo.GrpcAddress, calls });
        return results.Select(r => (int)r!["code"]! == 0 ? r["response"] : r).ToArray();
    }

    private static object Request(params object[] descriptors) => Request("gl-test", 0, descriptors);

    private static object Request(uint hits, params object[] descriptors) => Request("gl-test", hits, descriptors);

    private static object Request(string domain, params object[] descriptors) => Request(domain, 0, descriptors);

    private static object Request(string domain, uint hits, object[] descriptors) => new { domain, descriptors, hits_addend = hits };

    private static object D(params (string Key, string Value)[] entries) =>
        new { entries = entries.Select(e => new { key = e.Key, value = e.Value }).ToArray() };

    private static object D((string Key, string Value) entry, ulong hits) =>
        new { entries = new[] { new { key = entry.Key, value = entry.Value } }, hits_addend = new { value = hits.ToString(CultureInfo.InvariantCulture) } };

    private static JsonNode Status(JsonNode? response, int index) => response!["statuses"]![index]!;

    private static Dictionary<string, string> Headers(JsonNode? response) =>
        response!["response_headers_to_add"]!.AsArray().ToDictionary(h => (string)h!["key"]!, h => (string)h!["value"]!);

    // A google.protobuf.Struct as @grpc/proto-loader decodes it: { fields: { name: { kind, stringValue | structValue ... } } }.
    private static JsonNode Struct(JsonNode? value) => value!["fields"]!;

    private static string Unique() => Guid.NewGuid().ToString("N")[..12];
}
