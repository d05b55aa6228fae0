using System.Diagnostics;
using System.Net;
using GrainLimiter.Client.AspNetCore;
using GrainLimiter.Client.AspNetCore.Keys;
using GrainLimiter.Client.AspNetCore.RateLimiting;
using GrainLimiter.Client.Decisions;
using GrainLimiter.Client.Orleans;
using GrainLimiter.Client.Tests.Fixtures;
using GrainLimiter.Silo.Tests.Fixtures;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using static GrainLimiter.Client.Tests.GrainLimiter.Client.AspNetCore.GrainLimiterMiddlewareTests;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.Orleans;

/// <summary>The client's key scenarios over the Orleans transport, against a real silo joined as an Orleans client:
/// the same answers as over gRPC, the same errors for bad input.</summary>
[Collection(OrleansSiloCollection.Name)]
public sealed class OrleansTransportTests(OrleansSiloFixture fixture)
{
    [Fact]
    public async Task CheckAdmitsUpToTheLimitThenDeniesWithAnHonestRetryAfter()
    {
        using var client = await fixture.NewClientAsync();
        var key = SiloFixture.UniqueKey("user");

        var decisions = new List<ClusterDecision>();
        for (var i = 0; i < 4; i++)
        {
            decisions.Add(await client.CheckAsync("three-per-hour", key));
        }

        Assert.Equal([true, true, true, false], decisions.Select(static d => d.Allowed));
        var denied = decisions[3];
        Assert.Equal(3, denied.Limit);
        Assert.Equal(0, denied.Remaining);
        Assert.Equal("three-per-hour", denied.LimitName);
        Assert.Equal(TimeSpan.FromHours(1), denied.Window);
        Assert.InRange(denied.RetryAfter!.Value, TimeSpan.FromMinutes(19), TimeSpan.FromMinutes(20));
        Assert.False(denied.IsFallback);
        Assert.Equal(0, client.FailOpenCount);
    }

    [Fact]
    public async Task DecisionsOfAnAdaptivePolicyAskForTheOutcomeAndItsReportsReachTheKeysGrain()
    {
        var client = await fixture.NewClientAsync();
        var key = SiloFixture.UniqueKey("adaptive");

        var adaptive = await client.CheckAsync("adaptive-api", key);
        var plain = await client.CheckAsync("roomy", key);
        await client.ReportAsync("adaptive-api", key, failed: false, TimeSpan.FromMilliseconds(20), status: 200);
        await client.ReportAsync("adaptive-api", key, failed: true);
        await client.DisposeAsync();

        Assert.True(adaptive.ReportOutcome);
        Assert.False(plain.ReportOutcome);
        Assert.Equal(2, client.OutcomesReported);
        Assert.Equal(0, client.OutcomesDropped);
        var learned = (await fixture.Silo.Get<IGrainFactory>().GetGrain<global::GrainLimiter.Grains.ILimitGrain>(
            global::GrainLimiter.Grains.LimitGrainKey.Encode("adaptive-api", key)).InspectAsync()).Limits[0].Adaptive!;
        Assert.InRange(learned.Samples, 1.9, 2);
        Assert.Equal(0.5, learned.SuccessRate!.Value, precision: 3);
    }

    [Fact]
    public async Task ConcurrentCallersTravelTogetherAndEachGetsItsOwnDecision()
    {
        using var client = await fixture.NewClientAsync();
        await ConcurrentCallers.AssertEachGetsItsOwnDecisionAsync(client);
    }

    [Fact]
    public async Task AHotKeyIsDecidedInTheClientFromLeasesNeverBeyondItsLimitAndWhatItDidNotUseGoesBack()
    {
        var key = SiloFixture.UniqueKey("hot");
        var counters = fixture.Silo.Get<global::GrainLimiter.Grains.LimitGrainCounters>();
        var granted = counters.LeasesGranted;
        var clock = Stopwatch.StartNew();
        long admitted;
        using (var client = await fixture.NewClientAsync())
        {
            admitted = await HammerUntilLeasedAsync(client, key, () => client.LocalDecisions > 0 && counters.LeasesGranted > granted);
            Assert.Equal(0, client.FailOpenCount);
        }

        // A burst of 100 000, refilled at 100 000 per hour while the test ran; the client gave its unused units back as it stopped.
        var refilled = (long)Math.Ceiling(100_000 * clock.Elapsed.TotalHours);
        var left = (await fixture.Silo.Get<global::GrainLimiter.Silo.Checks.ICheckPipeline>()
            .GetAsync("api-enterprise", key, CancellationToken.None)).Decision.Remaining;
        Assert.InRange(admitted + left, 100_000, 100_000 + refilled);
    }

    [Fact]
    public async Task WithLeasesOffInTheClientTheSilosFrontHoldsThemAndNothingIsDecidedInTheClient()
    {
        using var client = await fixture.NewClientAsync(transport: static o => o.Leases = false);
        var key = SiloFixture.UniqueKey("hot");
        var counters = fixture.Silo.Get<global::GrainLimiter.Grains.LimitGrainCounters>();
        var granted = counters.LeasesGranted;

        await HammerUntilLeasedAsync(client, key, () => counters.LeasesGranted > granted);

        Assert.Equal(0, client.LocalDecisions);
    }

    // A new activation leases nothing for one lease period, which a warm silo's calls can outrun: rounds until leased, bounded.
    private static async Task<long> HammerUntilLeasedAsync(GrainLimiterClient client, string key, Func<bool> leased)
    {
        long admitted = 0;
        for (var round = 0; round < 40 && !leased(); round++)
        {
            admitted += await HammerAsync(client, key, calls: 1000, policy: "api-enterprise");
        }

        Assert.True(leased(), "the hot key was leased");
        return admitted;
    }

    [Fact]
    public async Task AResetReachesADenialCachedInTheClientBeforeItAnswers()
    {
        using var client = await fixture.NewClientAsync();
        var key = SiloFixture.UniqueKey("spent");
        // Ten per hour: the key is spent at once, then denied, and hot enough for the client to cache its denial.
        await HammerAsync(client, key, calls: 400, policy: "api-free");
        Assert.True(client.LocalDecisions > 0, "denials were answered in the client");
        Assert.False((await client.CheckAsync("api-free", key)).Allowed);

        await fixture.Silo.Get<global::GrainLimiter.Silo.Checks.ICheckPipeline>().ResetAsync("api-free", key, CancellationToken.None);

        Assert.True((await client.CheckAsync("api-free", key)).Allowed, "the reset took back the client's cached denial before it answered");
    }

    private static async Task<long> HammerAsync(GrainLimiterClient client, string key, int calls, string policy = "api-paid")
    {
        long admitted = 0;
        var sent = 0;
        await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(async () =>
        {
            while (Interlocked.Increment(ref sent) <= calls)
            {
                if ((await client.CheckAsync(policy, key)).Allowed)
                {
                    Interlocked.Increment(ref admitted);
                }
            }
        })));
        return admitted;
    }

    [Fact]
    public async Task MultiKeyCheckIsAllOrNothing()
    {
        using var client = await fixture.NewClientAsync();
        var exhausted = SiloFixture.UniqueKey("a");
        var fresh = SiloFixture.UniqueKey("b");
        await client.CheckAsync("two-limits", exhausted, cost: 2);

        var outcome = await client.CheckAsync([new LimitCheck("two-limits", fresh), new LimitCheck("two-limits", exhausted)]);
        var freshAfter = await client.GetAsync("two-limits", fresh);

        Assert.False(outcome.Allowed);
        Assert.True(outcome.Decisions[0].Allowed);
        Assert.False(outcome.Decisions[1].Allowed);
        Assert.Equal("per-minute", outcome.Decisions[1].LimitName);
        // The admitted key was refunded by the silo's own all-or-nothing logic.
        Assert.Equal(2, freshAfter.Remaining);
    }

    [Fact]
    public async Task ReserveLeasesAndPauseBehaveAsOverGrpc()
    {
        using var client = await fixture.NewClientAsync();
        var image = SiloFixture.UniqueKey("image");
        var account = SiloFixture.UniqueKey("account");
        var upstream = SiloFixture.UniqueKey("upstream");

        var first = TimeProvider.System.GetTimestamp();
        var firstSlot = await client.ReserveAsync("image-api", image);
        var secondSlot = await client.ReserveAsync("image-api", image);
        var between = TimeProvider.System.GetElapsedTime(first);
        var lease = await client.AcquireAsync("inflight", account);
        await client.AcquireAsync("inflight", account);
        var third = await client.AcquireAsync("inflight", account);
        await client.ReleaseAsync("inflight", account, lease.LeaseId);
        var afterRelease = await client.AcquireAsync("inflight", account);
        await client.PauseAsync("roomy", upstream, TimeSpan.FromMinutes(10));
        var paused = await client.CheckAsync("roomy", upstream);

        Assert.Equal(TimeSpan.Zero, firstSlot.Wait);
        // One slot (2 s) later, less the real time between the two reservations (at most what this test measured).
        Assert.InRange(secondSlot.Wait, TimeSpan.FromSeconds(2) - between, TimeSpan.FromSeconds(2));
        Assert.NotEqual(0, lease.LeaseId);
        Assert.False(third.Allowed);
        Assert.True(afterRelease.Allowed);
        Assert.False(paused.Allowed);
        Assert.InRange(paused.RetryAfter!.Value, TimeSpan.FromMinutes(9.9), TimeSpan.FromMinutes(10));
    }

    [Fact]
    public async Task BadInputThrowsTheSameRpcExceptionAsOverGrpcAndIsNotAnOutage()
    {
        using var client = await fixture.NewClientAsync();

        var unknown = await Assert.ThrowsAsync<RpcException>(async () => await client.CheckAsync("no-such-policy", "k"));
        var emptyKey = await Assert.ThrowsAsync<RpcException>(async () => await client.CheckAsync([new LimitCheck("roomy", "k"), new LimitCheck("roomy", "")]));
        var notConcurrency = await Assert.ThrowsAsync<RpcException>(async () => await client.AcquireAsync("roomy", "k"));

        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
        Assert.Equal("checks[0].policy 'no-such-policy' is not a configured policy.", unknown.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, emptyKey.StatusCode);
        Assert.StartsWith("checks[1].key ", emptyKey.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.FailedPrecondition, notConcurrency.StatusCode);
        Assert.Equal(0, client.FailOpenCount);
        Assert.Equal(0, client.CircuitOpenings);
    }

    [Fact]
    public async Task TheAspNetCoreRateLimiterPicksTheOrleansTransportFromConfiguration()
    {
        await using var gateway = await TestGateway.StartAsync(null,
            services =>
            {
                services.AddGrainLimiterClient();
                services.AddRateLimiter(o => o.AddGrainLimiterPolicy("three", "three-per-hour", RequestKeys.ApiKey()));
            },
            app =>
            {
                app.UseRateLimiter();
                app.MapGet("/limited", () => "limited").RequireRateLimiting("three");
            },
            fixture.GatewaySettings());
        var apiKey = SiloFixture.UniqueKey("key");

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await gateway.Http.SendAsync(Get("/limited", apiKey));
            statuses.Add(response.StatusCode);
        }

        using var rejected = await gateway.Http.SendAsync(Get("/limited", apiKey));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK], statuses);
        Assert.Equal(HttpStatusCode.TooManyRequests, rejected.StatusCode);
        Assert.Equal("1200", Header(rejected, "Retry-After"));
        Assert.Equal("\"three-per-hour\";r=0;t=3600", Header(rejected, "RateLimit"));
        Assert.Equal(ClusterTransport.Orleans, gateway.Services.GetRequiredService<GrainLimiterClient>().Options.Transport);
    }

    [Fact]
    public async Task AGatewayConfiguredForOrleansWithoutClusteringFailsAtStartNamingTheSetting()
    {
        var settings = new Dictionary<string, string?> { ["GrainLimiter:Client:Transport"] = "orleans" };

        var error = await Assert.ThrowsAnyAsync<Exception>(async () =>
            await TestGateway.StartAsync(null, services => services.AddGrainLimiterClient(), _ => { }, settings));

        Assert.Contains("GrainLimiter:Client:Orleans: give Redis", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenTheSiloStopsDecisionsFollowTheFailureModesWithinTheDeadline()
    {
        var gateway = $"127.0.0.1:{FreePort.Next()}";
        var clusterId = $"client-tests-{Guid.NewGuid():N}";
        var silo = await OrleansSiloFixture.StartSiloAsync(gateway, clusterId);
        var deadline = TimeSpan.FromMilliseconds(300);
        using var client = GrainLimiterOrleansClient.Create(
            new GrainLimiterClientOptions { Deadline = deadline, FailureModes = { ["three-per-hour"] = Policies.FailureMode.Closed } },
            new OrleansTransportOptions { ClusterId = clusterId, Gateways = [gateway] });
        Assert.Equal(1, await client.WarmUpAsync(TimeSpan.FromSeconds(30)));
        var before = await client.CheckAsync("roomy", SiloFixture.UniqueKey("k"));

        await silo.DisposeAsync();
        var clock = Stopwatch.StartNew();
        var open = await client.CheckAsync("roomy", SiloFixture.UniqueKey("k"));
        var closed = await client.CheckAsync("three-per-hour", SiloFixture.UniqueKey("k"));

        Assert.False(before.IsFallback);
        Assert.True(open.Allowed && open.IsFallback);
        Assert.False(closed.Allowed);
        Assert.True(closed.IsFallback);
        // Two calls, each bounded by the deadline, not by Orleans' 30 s response timeout (plus what a loaded machine adds).
        Assert.True(clock.Elapsed < 2 * deadline + TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }
}
