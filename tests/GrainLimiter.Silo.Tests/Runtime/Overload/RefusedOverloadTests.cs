using System.Diagnostics.Metrics;
using System.Net;
using GrainLimiter.Protocol.V1;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Runtime.Overload;
using GrainLimiter.Silo.Tests.Fixtures;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using EnvoyRls = GrainLimiter.Protocol.Envoy.RateLimit;
using EnvoyCommon = GrainLimiter.Protocol.Envoy.Common;

namespace GrainLimiter.Silo.Tests.Runtime.Overload;

/// <summary>A silo that refuses overloads, called by a real gRPC client and real HTTP while its grain calls are held.</summary>
public sealed class RefusedOverloadTests : IClassFixture<RefusingSiloFixture>, IAsyncLifetime
{
    private readonly RefusingSiloFixture _fixture;
    private readonly GrpcChannel _channel;
    private readonly Limiter.LimiterClient _limiter;
    private readonly MetricCollector<long> _shed;
    private readonly MetricCollector<long> _badRequests;

    public RefusedOverloadTests(RefusingSiloFixture fixture)
    {
        _fixture = fixture;
        _channel = GrpcChannel.ForAddress(fixture.Silo.GrpcAddress);
        _limiter = new Limiter.LimiterClient(_channel);
        _shed = new MetricCollector<long>(fixture.Silo.Get<IMeterFactory>(), MetricNames.Meter, MetricNames.Shed);
        _badRequests = new MetricCollector<long>(fixture.Silo.Get<IMeterFactory>(), MetricNames.Meter, MetricNames.BadRequests);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _fixture.Held.Open();
        // Every held check ends before the next test, so each starts with every place free.
        await Eventually.TrueAsync(() => Task.FromResult(_fixture.Silo.Get<CheckAdmission>().InFlight == 0), TimeSpan.FromSeconds(30), "the held checks ended");
        _shed.Dispose();
        _badRequests.Dispose();
        _channel.Dispose();
    }

    [Fact]
    public async Task ChecksBeyondTheBoundAreRefusedAtOnceOnEveryFrontAndCounted()
    {
        _fixture.Held.Close();
        var admitted = Enumerable.Range(0, OverloadSiloFixture.MaxChecksInFlight)
            .Select(_ => _limiter.CheckAsync(Check(OverloadSiloFixture.Open, OverloadSiloFixture.UniqueKey())).ResponseAsync).ToArray();
        await _fixture.Held.UntilHeldAsync(OverloadSiloFixture.MaxChecksInFlight);

        var grpc = await Assert.ThrowsAsync<RpcException>(() => _limiter.CheckAsync(Check(OverloadSiloFixture.Open, "one-too-many")).ResponseAsync);
        var http = await _fixture.Silo.Http.CheckAsync(OverloadSiloFixture.Open, "one-too-many");
        using var envoyChannel = GrpcChannel.ForAddress(_fixture.Silo.GrpcAddress);
        var envoy = await Assert.ThrowsAsync<RpcException>(() => new EnvoyRls.RateLimitService.RateLimitServiceClient(envoyChannel)
            .ShouldRateLimitAsync(EnvoyRequest("one-too-many")).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, grpc.StatusCode);
        Assert.StartsWith("overloaded (in_flight)", grpc.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("1500", grpc.Trailers.GetValue("grpc-retry-pushback-ms"));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, http.StatusCode);
        Assert.Equal("2", http.Header("Retry-After"));
        Assert.Equal("application/problem+json", http.Content.Headers.ContentType?.MediaType);
        Assert.Equal(StatusCode.ResourceExhausted, envoy.StatusCode);
        Assert.Equal(1, Shed("grpc", "in_flight"));
        Assert.Equal(1, Shed("http", "in_flight"));
        Assert.Equal(1, Shed("envoy", "in_flight"));
        // The silo's state, not the caller's fault.
        Assert.DoesNotContain(_badRequests.GetMeasurementSnapshot(), m => (string?)m.Tags["reason"] == "too_large");

        _fixture.Held.Open();
        var answers = await Task.WhenAll(admitted);

        // Nothing admitted was lost: every held check was decided by its grain once released, and the places are free again.
        Assert.All(answers, a => Assert.True(a.Allowed));
        Assert.All(answers, a => Assert.Equal(99, a.Decisions[0].Remaining));
        Assert.All(answers, a => Assert.Equal("", a.Decisions[0].Reason));
        Assert.True((await _limiter.CheckAsync(Check(OverloadSiloFixture.Open, OverloadSiloFixture.UniqueKey()))).Allowed);
    }

    [Fact]
    public async Task ACheckWhoseDeadlineExpiresWhileItsGrainIsHeldIsRefusedBeforeTheDeadline()
    {
        _fixture.Held.Close();
        var key = OverloadSiloFixture.UniqueKey();

        // The silo answers DeadlineMargin before the deadline: RESOURCE_EXHAUSTED, not the client's own DEADLINE_EXCEEDED.
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            _limiter.CheckAsync(Check(OverloadSiloFixture.Closed, key), deadline: OverloadSiloFixture.Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.StartsWith("overloaded (deadline)", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, Shed("grpc", "deadline"));

        // Released, the abandoned call still reaches its grain (the charge errs toward admitting less) and frees its place.
        _fixture.Held.Open();
        await Eventually.TrueAsync(async () => (await _limiter.GetAsync(new GetRequest { Policy = OverloadSiloFixture.Closed, Key = key })).Decision.Remaining == 99,
            TimeSpan.FromSeconds(30), "the released call charged its key");
    }

    [Fact]
    public async Task ACallBeyondAKeysQueueIsRefusedByOrleansAndShedAsOverloaded()
    {
        _fixture.Held.Close();
        var key = OverloadSiloFixture.UniqueKey();
        var running = _limiter.CheckAsync(Check(OverloadSiloFixture.Open, key)).ResponseAsync;
        await _fixture.Held.UntilHeldAsync(1);

        // MaxQueuedCallsPerKey 1: of three more calls, whichever reaches the grain first waits behind the running one; Orleans
        // refuses the other two.
        var tries = Enumerable.Range(0, 3).Select(_ => _limiter.CheckAsync(Check(OverloadSiloFixture.Open, key)).ResponseAsync).ToList();
        for (var refused = 0; refused < 2; refused++)
        {
            var done = await Task.WhenAny(tries).WaitAsync(TimeSpan.FromSeconds(30));
            tries.Remove(done);
            var error = await Assert.ThrowsAsync<RpcException>(() => done);
            Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
            Assert.StartsWith("overloaded (orleans)", error.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(2, Shed("grpc", "orleans"));
        _fixture.Held.Open();
        Assert.True((await running).Allowed);
        Assert.True((await Assert.Single(tries)).Allowed);
    }

    private long Shed(string front, string reason) => _shed.GetMeasurementSnapshot()
        .Where(m => (string?)m.Tags["front"] == front && (string?)m.Tags["reason"] == reason).Sum(m => m.Value);

    private static Protocol.V1.CheckRequest Check(string policy, string key) => new() { Checks = { new Hit { Policy = policy, Key = key } } };

    private static EnvoyRls.RateLimitRequest EnvoyRequest(string user) => new()
    {
        Domain = OverloadSiloFixture.EnvoyDomain,
        Descriptors = { new EnvoyCommon.RateLimitDescriptor { Entries = { new EnvoyCommon.RateLimitDescriptor.Types.Entry { Key = "user", Value = user } } } },
    };
}
