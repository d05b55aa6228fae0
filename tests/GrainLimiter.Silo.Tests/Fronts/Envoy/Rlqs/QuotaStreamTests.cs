using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Envoy.Service.RateLimitQuota.V3;
using Envoy.Type.V3;
using Google.Protobuf.WellKnownTypes;
using GrainLimiter.Silo.Tests.Fixtures;
using Grpc.Core;
using Grpc.Net.Client;
using Xunit.Abstractions;

namespace GrainLimiter.Silo.Tests.Fronts.Envoy.Rlqs;

/// <summary>The Rate Limit Quota Service over Envoy's real protos, with several simulated Envoys on one silo.</summary>
[Collection(RlqsSiloCollection.Name)]
public sealed class QuotaStreamTests(RlqsSiloFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan Converge = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Two_envoys_above_the_limit_get_half_each_and_one_gets_more_when_the_other_needs_less()
    {
        var bucket = Bucket("shared-api");
        await using var a = new SimulatedEnvoy("envoy-a", "envoy", bucket, Interval) { Demand = 150 };
        await using var b = new SimulatedEnvoy("envoy-b", "envoy", bucket, Interval) { Demand = 150 };
        await a.ConnectAsync(fixture.GrpcAddress);
        await b.ConnectAsync(fixture.GrpcAddress);

        await Eventually.TrueAsync(() => Task.FromResult(a.Share == 50 && b.Share == 50), Converge, "both Envoys, asking 150/s of 100/s, get 50");
        a.Demand = 20;
        await Eventually.TrueAsync(() => Task.FromResult(a.Share == 20 && b.Share == 80), Converge, "A asks 20/s and gets it, B rises to 80");

        Assert.True(SimulatedEnvoy.MostInForce([a, b]) <= 100, $"assignments in force reached {SimulatedEnvoy.MostInForce([a, b])}");
        Report(a, b);
    }

    [Fact]
    public async Task An_envoy_that_reports_no_request_is_told_to_abandon_the_bucket()
    {
        await using var envoy = new SimulatedEnvoy("envoy", "envoy", Bucket("idle"), Interval) { Demand = 5 };
        await envoy.ConnectAsync(fixture.GrpcAddress);
        await Eventually.TrueAsync(() => Task.FromResult(envoy.Share is > 0), Converge, "the bucket is assigned");

        envoy.Demand = 0;
        await Eventually.TrueAsync(() => Task.FromResult(envoy.Abandoned), Converge, "abandon_action after 2 s without requests");
        // A report already on the wire when the abandon arrived starts the bucket afresh, so the abandon need not be last.
        Assert.Equal(envoy.BucketId, envoy.Actions.First(a => a.AbandonAction is not null).BucketId);
    }

    [Fact]
    public async Task Buckets_are_assigned_as_their_entry_says()
    {
        await using var tokens = new SimulatedEnvoy("tokens", "any-domain", Bucket("tokens-a"), Interval) { Demand = 1 };
        await using var closed = new SimulatedEnvoy("closed", "envoy", Bucket("closed"), Interval) { Demand = 1 };
        await using var free = new SimulatedEnvoy("free", "envoy", Bucket("not-configured"), Interval) { Demand = 1 };
        await Task.WhenAll(tokens.ConnectAsync(fixture.GrpcAddress), closed.ConnectAsync(fixture.GrpcAddress), free.ConnectAsync(fixture.GrpcAddress));
        await Eventually.TrueAsync(() => Task.FromResult(tokens.Actions.Count > 0 && closed.Actions.Count > 0 && free.Actions.Count > 0), Converge,
            "every bucket is answered");

        var bucket = tokens.Actions[0].QuotaAssignmentAction;
        Assert.Equal(TimeSpan.FromSeconds(5), bucket.AssignmentTimeToLive.ToTimeSpan());
        Assert.Equal((30u, 30u, TimeSpan.FromMinutes(1)), (bucket.RateLimitStrategy.TokenBucket.MaxTokens, bucket.RateLimitStrategy.TokenBucket.TokensPerFill,
            bucket.RateLimitStrategy.TokenBucket.FillInterval.ToTimeSpan()));
        Assert.Equal(RateLimitStrategy.Types.BlanketRule.DenyAll, closed.Actions[0].QuotaAssignmentAction.RateLimitStrategy.BlanketRule);
        // No entry covers it: allowed, with no TTL, once.
        var open = free.Actions[0].QuotaAssignmentAction;
        Assert.Equal((RateLimitStrategy.Types.BlanketRule.AllowAll, (Duration?)null), (open.RateLimitStrategy.BlanketRule, open.AssignmentTimeToLive));
        Assert.Equal(free.BucketId, free.Actions[0].BucketId);
    }

    [Theory]
    [InlineData("no-domain", "domain must be set")]
    [InlineData("no-usage", "bucket_quota_usages has 0 usage reports")]
    [InlineData("empty-bucket", "bucket_quota_usages[0].bucket_id.bucket has 0 entries")]
    [InlineData("empty-value", "bucket_quota_usages[0].bucket_id.bucket has an empty key or value")]
    [InlineData("no-elapsed", "bucket_quota_usages[0].time_elapsed is required")]
    [InlineData("huge-bucket", "bucket_quota_usages[0].bucket_id.bucket makes a")]
    public async Task Bad_reports_are_invalid_argument_naming_the_field(string report, string problem)
    {
        var usage = new RateLimitQuotaUsageReports.Types.BucketQuotaUsage
        {
            BucketId = new BucketId { Bucket = { ["name"] = "x" } }, TimeElapsed = Duration.FromTimeSpan(Interval)
        };
        var message = new RateLimitQuotaUsageReports { Domain = "envoy", BucketQuotaUsages = { usage } };
        switch (report)
        {
            case "no-domain": message.Domain = ""; break;
            case "no-usage": message.BucketQuotaUsages.Clear(); break;
            case "empty-bucket": usage.BucketId.Bucket.Clear(); break;
            case "empty-value": usage.BucketId.Bucket["name"] = ""; break;
            case "no-elapsed": usage.TimeElapsed = null; break;
            case "huge-bucket": usage.BucketId.Bucket["name"] = new string('x', 600); break;
        }

        var error = await RefusedAsync(message);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains(problem, error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stream_may_report_a_bounded_number_of_buckets()
    {
        var message = new RateLimitQuotaUsageReports { Domain = "envoy" };
        for (var i = 0; i <= RlqsSiloFixture.MaxBucketsPerStream; i++)
        {
            message.BucketQuotaUsages.Add(new RateLimitQuotaUsageReports.Types.BucketQuotaUsage
            {
                BucketId = new BucketId { Bucket = { ["name"] = "n" + i } },
                TimeElapsed = Duration.FromTimeSpan(Interval),
            });
        }

        var error = await RefusedAsync(message);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains($"between 1 and {RlqsSiloFixture.MaxBucketsPerStream} are allowed", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_admin_api_and_metrics_show_a_buckets_assignments()
    {
        var bucket = Bucket("shared-api");
        await using var a = new SimulatedEnvoy("envoy-a", "envoy", bucket, Interval) { Demand = 30 };
        await a.ConnectAsync(fixture.GrpcAddress);
        await Eventually.TrueAsync(() => Task.FromResult(a.Share is > 0), Converge, "the bucket is assigned");

        using var request = new HttpRequestMessage(HttpMethod.Get, $"/admin/v1/quota-buckets/envoy?name=shared-api&test={bucket["test"]}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RlqsSiloFixture.AdminToken);
        using var response = await fixture.Silo.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var view = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = view.RootElement;
        Assert.Equal(("shared-api", 100, "requests_per_time_unit"),
            (root.GetProperty("name").GetString(), root.GetProperty("limit").GetInt64(), root.GetProperty("strategy").GetString()));
        var stream = Assert.Single(root.GetProperty("streams").EnumerateArray());
        Assert.Equal(30, stream.GetProperty("demand").GetInt64());
        Assert.Equal(100, stream.GetProperty("share").GetInt64());
        Assert.InRange(root.GetProperty("reserved").GetInt64(), 1, 100);

        var metrics = await fixture.Silo.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        Assert.Contains("grainlimiter_rlqs_bucket_assigned{", metrics, StringComparison.Ordinal);
        Assert.Contains("bucket=\"shared-api\"", metrics, StringComparison.Ordinal);

        using var bad = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/quota-buckets/envoy");
        bad.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RlqsSiloFixture.AdminToken);
        using var refused = await fixture.Silo.Http.SendAsync(bad);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("\"field\":\"bucket\"", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    private async Task<RpcException> RefusedAsync(RateLimitQuotaUsageReports message)
    {
        using var channel = GrpcChannel.ForAddress("http://" + fixture.GrpcAddress);
        using var call = new RateLimitQuotaService.RateLimitQuotaServiceClient(channel).StreamRateLimitQuotas();
        await call.RequestStream.WriteAsync(message);
        return await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseStream.MoveNext());
    }

    // Each test its own bucket: the entry matches on name; the test id makes the bucket id distinct.
    private static Dictionary<string, string> Bucket(string name) => new() { ["name"] = name, ["test"] = Guid.NewGuid().ToString("N")[..12] };

    // The fairness figures: each Envoy's assignments as they changed, with its demand at the time.
    private void Report(params SimulatedEnvoy[] envoys)
    {
        foreach (var line in SimulatedEnvoy.Timeline(envoys))
        {
            output.WriteLine(line);
        }
    }
}
