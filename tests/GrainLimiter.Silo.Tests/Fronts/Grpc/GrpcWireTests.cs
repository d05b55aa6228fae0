using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace GrainLimiter.Silo.Tests.Fronts.Grpc;

/// <summary>grainlimiter.v1.Limiter and grpc.health.v1 (served by Grpc.AspNetCore) called by a real gRPC client (@grpc/grpc-js)
/// and by raw HTTP/2. Where the raw-HTTP/2 answers are Grpc.AspNetCore's own (frame errors, deadlines, messages), the tests
/// pin what it answers, so a change of library behaviour shows here.</summary>
[Collection(GrpcSiloCollection.Name)]
public sealed class GrpcWireTests(GrpcSiloFixture silo)
{
    private const string Limiter = "grainlimiter.v1.Limiter";
    private const string Health = "grpc.health.v1.Health";
    private const int Ok = 0, Unknown = 2, InvalidArgument = 3, DeadlineExceeded = 4, NotFound = 5,
        ResourceExhausted = 8, FailedPrecondition = 9, Unimplemented = 12,
        Internal = 13;

    [Fact]
    public async Task Check_batch_answers_each_item_in_order()
    {
        var key = Unique();
        var results = await CallsAsync(Call(Limiter, "Check", new { checks = new object[] { Hit("grpc-demo", key + "a"), Hit("grpc-demo", key + "b", 2) } }));

        var response = Response(results[0]);
        Assert.True((bool)response["allowed"]!);
        var decisions = response["decisions"]!.AsArray();
        Assert.Equal([key + "a", key + "b"], decisions.Select(d => (string)d!["key"]!));
        Assert.Equal(["2", "1"], decisions.Select(d => (string)d!["remaining"]!));
        Assert.All(decisions, d => Assert.Equal("3", (string)d!["limit"]!));
        Assert.All(decisions, d => Assert.Equal("grpc-demo", (string)d!["limit_name"]!));
        Assert.InRange(long.Parse((string)decisions[0]!["reset_after"]!["seconds"]!, System.Globalization.CultureInfo.InvariantCulture), 0, 3600);
    }

    [Fact]
    public async Task Denied_batch_is_charged_to_no_key_and_retry_after_is_set()
    {
        var key = Unique();
        var results = await CallsAsync(
            Call(Limiter, "Check", new { checks = new[] { Hit("grpc-demo", key + "full", 3) } }),
            Call(Limiter, "Check", new { checks = new[] { Hit("grpc-demo", key + "free"), Hit("grpc-demo", key + "full") } }),
            Call(Limiter, "Get", new { policy = "grpc-demo", key = key + "free" }),
            Call(Limiter, "Check", new { checks = new[] { Hit("grpc-demo", key + "never", 4) } }));

        var denied = Response(results[1]);
        Assert.False((bool)denied["allowed"]!);
        Assert.False((bool)denied["decisions"]![1]!["allowed"]!);
        Assert.True(long.Parse((string)denied["decisions"]![1]!["retry_after"]!["seconds"]!, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("3", (string)Response(results[2])["decision"]!["remaining"]!);
        var never = Response(results[3])["decisions"]![0]!;
        Assert.True((bool)never["retry_never"]!);
        Assert.Equal("cost_exceeds_capacity", (string)never["reason"]!);
    }

    [Fact]
    public async Task Get_and_cost_zero_peek_without_charging_and_reserve_charges()
    {
        var key = Unique();
        var results = await CallsAsync(
            Call(Limiter, "Get", new { policy = "grpc-demo", key }),
            Call(Limiter, "Check", new { checks = new[] { Hit("grpc-demo", key, 0) } }),
            Call(Limiter, "Reserve", new { policy = "grpc-demo", key }),
            Call(Limiter, "Get", new { policy = "grpc-demo", key }));

        Assert.Equal("3", (string)Response(results[0])["decision"]!["remaining"]!);
        Assert.Equal("3", (string)Response(results[1])["decisions"]![0]!["remaining"]!);
        var reserved = Response(results[2])["decision"]!;
        Assert.True((bool)reserved["allowed"]!);
        Assert.Equal("0", (string)reserved["wait"]!["seconds"]!);
        Assert.Equal("2", (string)Response(results[3])["decision"]!["remaining"]!);
    }

    [Fact]
    public async Task Reserve_tells_queued_callers_how_long_to_wait_and_denies_past_the_max_wait()
    {
        var key = Unique();
        var calls = Enumerable.Range(0, 12).Select(_ => Call(Limiter, "Reserve", new { policy = "grpc-queue", key })).ToArray();

        var decisions = (await CallsAsync(calls)).Select(r => Response(r)["decision"]!).ToList();

        // 10 an hour, waits of at most an hour: 11 admitted with waits 0, 6 min, ... 60 min; the 12th denied.
        // Slow on purpose, so the seconds between calls do not matter.
        Assert.All(decisions.Take(11), d => Assert.True((bool)d!["allowed"]!));
        Assert.Equal(0, WaitMs(decisions[0]!));
        Assert.InRange(WaitMs(decisions[1]!), 350_000, 360_000);
        Assert.InRange(WaitMs(decisions[10]!), 3_590_000, 3_600_000);
        Assert.False((bool)decisions[11]!["allowed"]!);
        Assert.True(decisions[11]!["retry_after"] is not null);
    }

    [Fact]
    public async Task Acquire_holds_a_lease_until_it_is_released()
    {
        var key = Unique();
        var acquired = await CallsAsync(
            Call(Limiter, "Acquire", new { policy = "grpc-leases", key }),
            Call(Limiter, "Acquire", new { policy = "grpc-leases", key }),
            Call(Limiter, "Acquire", new { policy = "grpc-leases", key }));
        var lease = (string)Response(acquired[0])["decision"]!["lease_id"]!;

        var afterRelease = await CallsAsync(
            Call(Limiter, "Release", new { policy = "grpc-leases", key, lease_id = lease }),
            Call(Limiter, "Acquire", new { policy = "grpc-leases", key }));

        Assert.True((bool)Response(acquired[1])["decision"]!["allowed"]!);
        Assert.NotEqual("0", lease);
        Assert.False((bool)Response(acquired[2])["decision"]!["allowed"]!);
        Assert.True((bool)Response(afterRelease[1])["decision"]!["allowed"]!);
    }

    private static long WaitMs(JsonNode decision)
    {
        var wait = decision["wait"];
        if (wait is null)
        {
            return 0;
        }

        var seconds = long.Parse((string?)wait["seconds"] ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        return (seconds * 1000) + ((int?)wait["nanos"] ?? 0) / 1_000_000;
    }

    [Fact]
    public async Task Bad_input_is_invalid_argument_naming_the_field()
    {
        var tooMany = Enumerable.Range(0, 101).Select(i => Hit("grpc-demo", "k" + i)).ToArray();
        var results = await CallsAsync(
            Call(Limiter, "Check", new { checks = new[] { Hit("nope", "k") } }),
            Call(Limiter, "Check", new { checks = new[] { Hit("grpc-demo", new string('k', 300)) } }),
            Call(Limiter, "Check", new { checks = tooMany }),
            Call(Limiter, "Check", new { checks = Array.Empty<object>() }),
            Call(Limiter, "Check", new { checks = new[] { Hit("grpc-demo", "k", -1) } }),
            Call(Limiter, "Release", new { policy = "grpc-demo", key = "k", lease_id = "0" }),
            Call(Limiter, "Acquire", new { policy = "grpc-demo", key = "k" }));

        AssertStatus(results[0], InvalidArgument, "checks[0].policy");
        AssertStatus(results[1], InvalidArgument, "checks[0].key is 300 bytes");
        AssertStatus(results[2], InvalidArgument, "at most 100");
        AssertStatus(results[3], InvalidArgument, "at least one");
        AssertStatus(results[4], InvalidArgument, "checks[0].cost");
        AssertStatus(results[5], InvalidArgument, "lease_id");
        AssertStatus(results[6], FailedPrecondition, "no concurrency limit");
    }

    [Fact]
    public async Task Health_reports_serving_and_not_found_for_unknown_services()
    {
        var results = await CallsAsync(
            Call(Health, "Check", new { service = "" }),
            Call(Health, "Check", new { service = Limiter }),
            Call(Health, "Check", new { service = "envoy.service.ratelimit.v3.RateLimitService" }),
            Call(Health, "Check", new { service = "nope.Service" }));

        Assert.All(results.Take(3), r => Assert.Equal("SERVING", (string)Response(r)["status"]!));
        AssertStatus(results[3], NotFound, "");
    }

    [Fact]
    public async Task Unknown_method_or_service_is_unimplemented()
    {
        var results = await CallsAsync(
            new { service = Limiter, method = "Nope", raw = "" },
            new { service = "*", rawService = "nope.v1.Service", method = "Check", raw = "" });

        AssertStatus(results[0], Unimplemented, "Method is unimplemented");
        AssertStatus(results[1], Unimplemented, "Service is unimplemented");
    }

    [Fact]
    public async Task Gzip_request_from_grpc_js_is_answered()
    {
        var key = Unique();
        var results = await CallsAsync(new { service = Limiter, method = "Check", request = new { checks = new[] { Hit("grpc-demo", key) } }, gzip = true });
        Assert.Equal("2", (string)Response(results[0])["decisions"]![0]!["remaining"]!);
    }

    [Fact]
    public async Task Gzip_request_gets_a_gzip_response_with_the_compressed_flag()
    {
        var key = Unique();
        var results = await RawAsync(new
        {
            path = "/grainlimiter.v1.Limiter/Check",
            headers = GrpcHeaders(("grpc-encoding", "gzip"), ("grpc-accept-encoding", "identity,gzip")),
            frames = new[] { new { message = "grainlimiter.v1.CheckRequest", value = (object)new { checks = new[] { Hit("grpc-demo", key) } }, gzip = true } },
            decode = "grainlimiter.v1.CheckResponse",
        });

        var result = results[0]!;
        Assert.Equal("0", (string)result["trailers"]!["grpc-status"]!);
        Assert.Equal("gzip", (string)result["headers"]!["grpc-encoding"]!);
        var frame = result["frames"]![0]!;
        Assert.True((bool)frame["compressed"]!);
        Assert.True((bool)frame["message"]!["allowed"]!);
        Assert.Equal(key, (string)frame["message"]!["decisions"]![0]!["key"]!);
    }

    [Fact]
    public async Task Oversized_message_is_resource_exhausted()
    {
        var results = await CallsAsync(Call(Limiter, "Check",
            new { checks = new[] { Hit("grpc-demo", new string('x', GrpcSiloFixture.MaxMessageBytes + 100)) } }));
        AssertStatus(results[0], ResourceExhausted, "exceeds the maximum configured message size");

        // A small gzip frame that inflates beyond the maximum (a zip bomb) is refused the same way.
        var bomb = await RawAsync(new
        {
            path = "/grainlimiter.v1.Limiter/Check",
            headers = GrpcHeaders(("grpc-encoding", "gzip")),
            frames = new[] { new { message = "grainlimiter.v1.CheckRequest",
                value = (object)new { checks = new[] { Hit("grpc-demo", new string('y', 20_000)) } }, gzip = true } },
        });
        AssertTrailersOnly(bomb[0]!, ResourceExhausted, "exceeds the maximum configured message size");
    }

    [Fact]
    public async Task Malformed_frames_are_refused_before_any_work_and_malformed_protobuf_is_invalid_argument()
    {
        const string path = "/grainlimiter.v1.Limiter/Check";
        var headers = GrpcHeaders();
        var results = await RawAsync(
            new { path, headers, bodyHex = "deadbeef00112233" },
            new { path, headers, bodyHex = "0000000004ffffffff" },
            new { path, headers, bodyHex = "0000000064010203" },
            new { path, headers, bodyHex = "" },
            new { path, headers, bodyHex = "000000" },
            new { path, headers, bodyHex = "00000000000000000000" });

        // Frame errors are Grpc.AspNetCore's answers (a bad compressed flag is its UNKNOWN); a frame whose payload is
        // not the method's protobuf message is ours: INVALID_ARGUMENT naming the message type.
        AssertTrailersOnly(results[0]!, Unknown, "Exception was thrown by handler");
        AssertTrailersOnly(results[1]!, InvalidArgument, "not a valid CheckRequest protobuf message");
        AssertTrailersOnly(results[2]!, Internal, "Incomplete message");
        AssertTrailersOnly(results[3]!, Internal, "Incomplete message");
        AssertTrailersOnly(results[4]!, Internal, "Incomplete message");
        AssertTrailersOnly(results[5]!, Internal, "Additional data after the message");
    }

    [Fact]
    public async Task Deadline_passing_while_the_server_waits_is_deadline_exceeded()
    {
        const string path = "/grainlimiter.v1.Limiter/Check";
        var started = TimeProvider.System.GetTimestamp();
        var check = new { message = "grainlimiter.v1.CheckRequest", value = (object)new { checks = new[] { Hit("grpc-demo", Unique()) } }, gzip = false };
        // The body never comes: the server's deadline (200 ms) must end the call, not the client.
        var results = await RawAsync(
            new { path, headers = GrpcHeaders(("grpc-timeout", "200m")), bodyHex = "", endStream = false },
            new { path, headers = GrpcHeaders(("grpc-timeout", "0n")), bodyHex = "", endStream = true },
            new { path, headers = GrpcHeaders(("grpc-timeout", "soon")), bodyHex = "", endStream = true });
        var elapsed = TimeProvider.System.GetElapsedTime(started);

        var stalled = results[0]!;
        Assert.Equal(DeadlineExceeded.ToString(System.Globalization.CultureInfo.InvariantCulture), Status(stalled));
        Assert.Contains("Deadline Exceeded", Message(stalled), StringComparison.Ordinal);
        Assert.True(elapsed < TimeSpan.FromSeconds(20), $"took {elapsed}");
        // Grpc.AspNetCore ignores a zero or malformed grpc-timeout (the call has no deadline); the call is answered as usual.
        AssertTrailersOnly(results[1]!, Internal, "Incomplete message");
        AssertTrailersOnly(results[2]!, Internal, "Incomplete message");
        var ignored = await RawAsync(new { path, headers = GrpcHeaders(("grpc-timeout", "soon")), frames = new[] { check },
            decode = "grainlimiter.v1.CheckResponse" });
        Assert.Equal("0", (string)ignored[0]!["trailers"]!["grpc-status"]!);

        // grpc-js sends grpc-timeout with every call that has a deadline; a generous one is honoured, not refused.
        var ok = await CallsAsync(new { service = Limiter, method = "Get", request = new { policy = "grpc-demo", key = Unique() }, deadlineMs = 10_000 });
        Assert.Equal(Ok, (int)ok[0]!["code"]!);
    }

    [Fact]
    public async Task Wrong_content_type_unknown_encoding_and_http1_get_proper_errors()
    {
        const string path = "/grainlimiter.v1.Limiter/Check";
        var results = await RawAsync(
            new { path, headers = new Dictionary<string, string> { ["content-type"] = "application/json" }, bodyHex = "7b7d" },
            new { path, headers = GrpcHeaders(("grpc-encoding", "snappy")), bodyHex = "0100000000" });

        Assert.Equal(415, (int)results[0]!["status"]!);
        Assert.Contains("Content-Type 'application/json' is not supported", Message(results[0]!), StringComparison.Ordinal);
        // An unknown encoding is refused when a compressed message arrives in it, with the encodings this server accepts.
        AssertTrailersOnly(results[1]!, Unimplemented, "Unsupported grpc-encoding value 'snappy'");
        Assert.Contains("gzip", (string)results[1]!["headers"]!["grpc-accept-encoding"]!, StringComparison.Ordinal);

        using var http = new HttpClient { BaseAddress = silo.Silo.HttpAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var content = new ByteArrayContent(new byte[5]);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/grpc");
        using var response = await http.PostAsync(path, content);
        Assert.Equal(HttpStatusCode.UpgradeRequired, response.StatusCode);

        // A two-segment path that is not a gRPC service name stays plain HTTP: 404, not a gRPC answer.
        using var plain = await http.PostAsync("/notgrpc/method", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.NotFound, plain.StatusCode);
    }

    private Task<JsonArray> CallsAsync(params object[] calls) => NodePeer.RunAsync("calls.js", new { address = silo.GrpcAddress, calls });

    private Task<JsonArray> RawAsync(params object[] requests) => NodePeer.RunAsync("raw-h2.js", new { address = silo.GrpcAddress, requests });

    private static object Call(string service, string method, object request) => new { service, method, request };

    private static object Hit(string policy, string key, long? cost = null) =>
        cost is null ? new { policy, key } : new { policy, key, cost = cost.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static Dictionary<string, string> GrpcHeaders(params (string Name, string Value)[] extra)
    {
        var headers = new Dictionary<string, string> { ["content-type"] = "application/grpc", ["te"] = "trailers" };
        foreach (var (name, value) in extra)
        {
            headers[name] = value;
        }

        return headers;
    }

    private static JsonNode Response(JsonNode? result)
    {
        Assert.True((int)result!["code"]! == Ok, $"call failed: {result.ToJsonString()}");
        return result["response"]!;
    }

    private static void AssertStatus(JsonNode? result, int code, string messagePart)
    {
        Assert.True((int)result!["code"]! == code, $"expected status {code}: {result.ToJsonString()}");
        Assert.Contains(messagePart, (string)result["details"]!, StringComparison.Ordinal);
    }

    /// <summary>An error sent before any message: the status is in the one HEADERS frame, with no body.</summary>
    private static void AssertTrailersOnly(JsonNode result, int code, string messagePart)
    {
        Assert.Equal(code.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)result["headers"]!["grpc-status"]);
        Assert.Contains(messagePart, Message(result), StringComparison.Ordinal);
        Assert.Equal("", (string)result["bodyHex"]!);
    }

    private static string Status(JsonNode result) => (string?)result["headers"]!["grpc-status"] ?? (string?)result["trailers"]!["grpc-status"] ?? "";

    private static string Message(JsonNode result) =>
        Uri.UnescapeDataString((string?)result["headers"]!["grpc-message"] ?? (string?)result["trailers"]!["grpc-message"] ?? "");

    private static string Unique() => Guid.NewGuid().ToString("N")[..12];
}
