using System.Diagnostics.Metrics;
using System.Net;
using GrainLimiter.Protocol.V1;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Tests.Fixtures;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using EnvoyRls = GrainLimiter.Protocol.Envoy.RateLimit;
using EnvoyCommon = GrainLimiter.Protocol.Envoy.Common;

namespace GrainLimiter.Silo.Tests.Checks.Overload;

/// <summary>A silo that refuses overloads, called by a real gRPC client and real HTTP while its grain calls are held.</summary>
public sealed class RefusedOverloadTests : OverloadTests<RefusingSiloFixture>, IClassFixture<RefusingSiloFixture>
{
    private readonly MetricCollector<long> _badRequests;

    public RefusedOverloadTests(RefusingSiloFixture fixture)
        : base(fixture) =>
        _badRequests = new MetricCollector<long>(fixture.Silo.Get<IMeterFactory>(), MetricNames.Meter, MetricNames.BadRequests);

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _badRequests.Dispose();
    }

    [Fact]
    public async Task ChecksBeyondTheBoundAreRefusedAtOnceOnEveryFrontAndCounted()
    {
        Fixture.Held.Close();
        var admitted = Enumerable.Range(0, OverloadSiloFixture.MaxChecksInFlight)
            .Select(_ => Limiter.CheckAsync(Check(OverloadSiloFixture.Open, OverloadSiloFixture.UniqueKey())).ResponseAsync).ToArray();
        await Fixture.Held.UntilHeldAsync(OverloadSiloFixture.MaxChecksInFlight);

        var grpc = await Assert.ThrowsAsync<RpcException>(() => Limiter.CheckAsync(Check(OverloadSiloFixture.Open, "one-too-many")).ResponseAsync);
        var http = await Fixture.Silo.Http.CheckAsync(OverloadSiloFixture.Open, "one-too-many");
        using var envoyChannel = GrpcChannel.ForAddress(Fixture.Silo.GrpcAddress);
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

        Fixture.Held.Open();
        var answers = await Task.WhenAll(admitted);

        // Nothing admitted was lost: every held check was decided by its grain once released, and the places are free again.
        Assert.All(answers, a => Assert.True(a.Allowed));
        Assert.All(answers, a => Assert.Equal(99, a.Decisions[0].Remaining));
        Assert.All(answers, a => Assert.Equal("", a.Decisions[0].Reason));
        Assert.True((await Limiter.CheckAsync(Check(OverloadSiloFixture.Open, OverloadSiloFixture.UniqueKey()))).Allowed);
    }

    [Fact]
    public async Task ACheckWhoseDeadlineExpiresWhileItsGrainIsHeldIsRefusedBeforeTheDeadline()
    {
        Fixture.Held.Close();
        var key = OverloadSiloFixture.UniqueKey();

        // The silo answers DeadlineMargin before the deadline: RESOURCE_EXHAUSTED, not the client's own DEADLINE_EXCEEDED.
        var refused = await Assert.ThrowsAsync<RpcException>(() =>
            Limiter.CheckAsync(Check(OverloadSiloFixture.Closed, key), deadline: OverloadSiloFixture.Deadline()).ResponseAsync);

        Assert.Equal(StatusCode.ResourceExhausted, refused.StatusCode);
        Assert.StartsWith("overloaded (deadline)", refused.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(1, Shed("grpc", "deadline"));

        // Released, the abandoned call still reaches its grain (the charge errs toward admitting less) and frees its place.
        Fixture.Held.Open();
        await Eventually.TrueAsync(
            async () => (await Limiter.GetAsync(new GetRequest { Policy = OverloadSiloFixture.Closed, Key = key })).Decision.Remaining == 99,
            TimeSpan.FromSeconds(30), "the released call charged its key");
    }

    [Fact]
    public async Task ACallBeyondAKeysQueueIsRefusedByOrleansAndShedAsOverloaded()
    {
        Fixture.Held.Close();
        var key = OverloadSiloFixture.UniqueKey();
        var running = Limiter.CheckAsync(Check(OverloadSiloFixture.Open, key)).ResponseAsync;
        await Fixture.Held.UntilHeldAsync(1);

        // MaxQueuedCallsPerKey 1: of three more calls, whichever reaches the grain first waits behind the running one; Orleans
        // refuses the other two.
        var tries = Enumerable.Range(0, 3).Select(_ => Limiter.CheckAsync(Check(OverloadSiloFixture.Open, key)).ResponseAsync).ToList();
        for (var refused = 0; refused < 2; refused++)
        {
            var done = await Task.WhenAny(tries).WaitAsync(TimeSpan.FromSeconds(30));
            tries.Remove(done);
            var error = await Assert.ThrowsAsync<RpcException>(() => done);
            Assert.Equal(StatusCode.ResourceExhausted, error.StatusCode);
            Assert.StartsWith("overloaded (orleans)", error.Status.Detail, StringComparison.Ordinal);
        }

        Assert.Equal(2, Shed("grpc", "orleans"));
        Fixture.Held.Open();
        Assert.True((await running).Allowed);
        Assert.True((await Assert.Single(tries)).Allowed);
    }


    private static EnvoyRls.RateLimitRequest EnvoyRequest(string user) => new()
    {
        Domain = OverloadSiloFixture.EnvoyDomain,
        Descriptors = { new EnvoyCommon.RateLimitDescriptor { Entries = { new EnvoyCommon.RateLimitDescriptor.Types.Entry { Key = "user", Value = user } } } },
    };
}
