using GrainLimiter.Protocol.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace GrainLimiter.Silo.Tests.Fronts.Grpc;

/// <summary><c>request_id</c> of grainlimiter.v1.Limiter checks, called by a real gRPC client (Grpc.Net.Client): a retried id is answered
/// as the first time and charged once, per check of a batch, and a denied check's refund is not repeated by its retry.</summary>
[Collection(GrpcSiloCollection.Name)]
public sealed class RequestIdWireTests : IDisposable
{
    private readonly GrpcChannel _channel;
    private readonly Limiter.LimiterClient _limiter;

    public RequestIdWireTests(GrpcSiloFixture silo)
    {
        _channel = GrpcChannel.ForAddress(silo.Silo.GrpcAddress);
        _limiter = new Limiter.LimiterClient(_channel);
    }

    public void Dispose() => _channel.Dispose();

    [Fact]
    public async Task A_check_sent_twice_with_one_request_id_is_charged_once_and_answered_the_same()
    {
        var key = Unique();

        var first = await _limiter.CheckAsync(Check("retry", key));
        var again = await _limiter.CheckAsync(Check("retry", key));

        Assert.Equal(first, again);
        Assert.Equal(2, first.Decisions[0].Remaining);
        Assert.Equal(2, await RemainingAsync(key));
    }

    [Fact]
    public async Task Checks_without_an_id_or_with_different_ids_are_each_charged()
    {
        var key = Unique();

        await _limiter.CheckAsync(Check("", key));
        await _limiter.CheckAsync(Check("", key));
        await _limiter.CheckAsync(Check("other", key));

        Assert.Equal(0, await RemainingAsync(key));
    }

    [Fact]
    public async Task Each_check_of_a_batch_has_its_own_id_and_a_resent_batch_charges_nothing()
    {
        var key = Unique();
        var batch = new CheckBatchRequest
        {
            Checks = { new BatchedCheck { Id = 1, Check = Check("one", key) }, new BatchedCheck { Id = 2, Check = Check("two", key) } },
        };

        var first = await _limiter.CheckBatchAsync(batch);
        var resent = await _limiter.CheckBatchAsync(batch);

        Assert.All(first.Answers, static a => Assert.True(a.Response.Allowed));
        Assert.Equal(first.Answers.OrderBy(static a => a.Id), resent.Answers.OrderBy(static a => a.Id));
        Assert.Equal(1, await RemainingAsync(key));
    }

    [Fact]
    public async Task A_denied_check_retried_with_its_id_refunds_its_admitted_key_once()
    {
        var key = Unique();
        await _limiter.CheckAsync(Check("", key + "full", cost: 3));
        // "free" has one unit left: the check takes it, "full" denies it, and each attempt gives the unit back.
        await _limiter.CheckAsync(Check("", key + "free", cost: 2));
        var check = Check("all-or-nothing", key + "free");
        check.Checks.Add(new Hit { Policy = "grpc-demo", Key = key + "full" });

        var first = await _limiter.CheckAsync(check);
        var retry = await _limiter.CheckAsync(check);

        Assert.False(first.Allowed);
        Assert.False(retry.Allowed);
        Assert.Equal(1, await RemainingAsync(key + "free"));
    }

    [Fact]
    public async Task A_request_id_over_MaxRequestIdBytes_is_invalid_argument_naming_the_field()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _limiter.CheckAsync(Check(new string('x', 65), Unique())).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("request_id is 65 bytes long; at most 64", error.Status.Detail, StringComparison.Ordinal);
    }

    private async Task<long> RemainingAsync(string key) => (await _limiter.GetAsync(new GetRequest { Policy = "grpc-demo", Key = key })).Decision.Remaining;

    private static CheckRequest Check(string requestId, string key, long cost = 1) =>
        new() { RequestId = requestId, Checks = { new Hit { Policy = "grpc-demo", Key = key, Cost = cost } } };

    private static string Unique() => $"request-id:{Guid.NewGuid():N}";
}
