using System.Text.Json.Nodes;

namespace GrainLimiter.Silo.Tests.Fronts.Grpc;

/// <summary>CheckBatch and CheckStream of grainlimiter.v1.Limiter called by a real gRPC client (@grpc/grpc-js) as concurrent callers'
/// checks travel: each check decided and answered on its own, by id.</summary>
[Collection(GrpcSiloCollection.Name)]
public sealed class CheckBatchWireTests(GrpcSiloFixture silo)
{
    private const string Limiter = "grainlimiter.v1.Limiter";
    private const int Ok = 0, InvalidArgument = 3;

    [Fact]
    public async Task A_batch_answers_every_check_its_own_decision_and_one_denial_refunds_no_other_check()
    {
        var key = Unique();
        // grpc-demo admits 3 an hour; "full" is used up first.
        await CallsAsync(Call("Check", new { checks = new[] { Hit(key + "full", 3) } }));

        var results = await CallsAsync(Call("CheckBatch", new
        {
            checks = new object[]
            {
                Batched(1, Hit(key + "free")),
                Batched(2, Hit(key + "full")),
                Batched(3, Hit(key + "other"), Hit(key + "full")),
                Batched(4, new { policy = "no-such-policy", key = "k" }),
            },
        }), Call("Get", new { policy = "grpc-demo", key = key + "other" }));

        var answers = Answers(Response(results[0]));
        Assert.Equal(["1", "2", "3", "4"], answers.Select(static a => (string)a["id"]!));
        Assert.True((bool)answers[0]["response"]!["allowed"]!);
        Assert.Equal("2", (string)answers[0]["response"]!["decisions"]![0]!["remaining"]!);
        Assert.False((bool)answers[1]["response"]!["allowed"]!);
        // The third check is all or nothing on its own: denied as a whole, its admitted item refunded.
        Assert.False((bool)answers[2]["response"]!["allowed"]!);
        Assert.Equal("3", (string)Response(results[1])["decision"]!["remaining"]!);
        Assert.Equal(InvalidArgument, (int)answers[3]["error"]!["code"]!);
        Assert.Contains("checks[0].policy", (string)answers[3]["error"]!["message"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_over_the_bound_is_invalid_argument()
    {
        var checks = Enumerable.Range(0, GrpcSiloFixture.MaxChecksPerBatch + 1).Select(i => Batched(i, Hit(Unique()))).ToArray();

        var results = await CallsAsync(Call("CheckBatch", new { checks }));

        Assert.Equal(InvalidArgument, (int)results[0]!["code"]!);
        Assert.Contains($"at most {GrpcSiloFixture.MaxChecksPerBatch} are allowed in one batch", (string)results[0]!["details"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_answers_every_check_of_every_message_by_id()
    {
        var key = Unique();
        var results = await StreamAsync(keepOpen: false,
            new { checks = new[] { Batched(10, Hit(key)), Batched(11, Hit(key)), Batched(12, new { policy = "grpc-demo", key = "" }) } },
            new { checks = new[] { Batched(13, Hit(key)), Batched(14, Hit(key)) } });

        Assert.Equal(Ok, (int)results[^1]!["code"]!);
        var answers = results.Take(results.Count - 1).SelectMany(static m => Answers(m!)).ToArray();
        Assert.Equal(["10", "11", "12", "13", "14"], answers.Select(static a => (string)a["id"]!).Order(StringComparer.Ordinal));
        var decided = answers.Where(static a => a["response"] is not null).ToArray();
        // Four checks of one key limited to 3: three admitted, whatever order the silo decided them in.
        Assert.Equal(4, decided.Length);
        Assert.Equal(3, decided.Count(static a => (bool)a["response"]!["allowed"]!));
        var invalid = Assert.Single(answers, static a => a["error"] is not null);
        Assert.Equal("12", (string)invalid["id"]!);
        Assert.Contains("checks[0].key", (string)invalid["error"]!["message"]!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_idle_stream_is_ended_by_the_silo_after_answering_what_it_read()
    {
        // The client never ends its side: the silo ends the call after StreamIdleTimeout without a message.
        var results = await StreamAsync(keepOpen: true, new { checks = new[] { Batched(1, Hit(Unique())) } });

        Assert.Equal(Ok, (int)results[^1]!["code"]!);
        Assert.True((bool)Assert.Single(Answers(results[0]!))["response"]!["allowed"]!);
    }

    private Task<JsonArray> CallsAsync(params object[] calls) => NodePeer.RunAsync("calls.js", new { address = silo.GrpcAddress, calls });

    private Task<JsonArray> StreamAsync(bool keepOpen, params object[] batches) =>
        NodePeer.RunAsync("stream.js", new { address = silo.GrpcAddress, batches, keepOpen });

    private static object Call(string method, object request) => new { service = Limiter, method, request };

    private static object Hit(string key, long cost = 1) =>
        new { policy = "grpc-demo", key, cost = cost.ToString(System.Globalization.CultureInfo.InvariantCulture) };

    private static object Batched(int id, params object[] hits) =>
        new { id = id.ToString(System.Globalization.CultureInfo.InvariantCulture), check = new { checks = hits } };

    private static JsonNode Response(JsonNode? result)
    {
        Assert.True((int)result!["code"]! == Ok, $"call failed: {result.ToJsonString()}");
        return result["response"]!;
    }

    private static JsonNode[] Answers(JsonNode message) => message["answers"]!.AsArray().Select(static a => a!).ToArray();

    private static string Unique() => Guid.NewGuid().ToString("N")[..12];
}
