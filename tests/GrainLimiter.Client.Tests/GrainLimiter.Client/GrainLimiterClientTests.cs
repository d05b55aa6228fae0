using GrainLimiter.Client.Decisions;
using GrainLimiter.Client.Tests.Fixtures;
using GrainLimiter.Grains;
using Grpc.Core;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client;

[Collection(SiloCollection.Name)]
public sealed class GrainLimiterClientTests(SiloFixture fixture)
{
    [Fact]
    public async Task CheckAdmitsUpToTheLimitThenDeniesWithAnHonestRetryAfter()
    {
        using var client = fixture.NewClient();
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
        // One token every 20 minutes: the retry is due when the next one is.
        Assert.InRange(denied.RetryAfter!.Value, TimeSpan.FromMinutes(19), TimeSpan.FromMinutes(20));
        Assert.False(denied.IsFallback);
    }

    [Fact]
    public async Task ConcurrentCallersTravelTogetherAndEachGetsItsOwnDecision()
    {
        using var client = fixture.NewClient();
        await ConcurrentCallers.AssertEachGetsItsOwnDecisionAsync(client);
    }

    [Fact]
    public async Task WithBatchingOffEveryCheckIsItsOwnCall()
    {
        using var client = fixture.NewClient(static o => o.BatchChecks = false);
        var key = SiloFixture.UniqueKey("unbatched");

        var decisions = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => client.CheckAsync("three-per-hour", key).AsTask()));

        Assert.Equal(3, decisions.Count(static d => d.Allowed));
        Assert.Equal(8, client.BatchesSent);
    }

    [Fact]
    public async Task MultiKeyCheckIsAllOrNothing()
    {
        using var client = fixture.NewClient();
        var exhausted = SiloFixture.UniqueKey("a");
        var fresh = SiloFixture.UniqueKey("b");
        await client.CheckAsync("two-limits", exhausted, cost: 2);

        var outcome = await client.CheckAsync([new LimitCheck("two-limits", fresh), new LimitCheck("two-limits", exhausted)]);
        var freshAfter = await client.GetAsync("two-limits", fresh);

        Assert.False(outcome.Allowed);
        Assert.True(outcome.Decisions[0].Allowed);
        Assert.False(outcome.Decisions[1].Allowed);
        Assert.Equal("per-minute", outcome.Decisions[1].LimitName);
        // The admitted key was refunded: the denied check charged nothing.
        Assert.Equal(2, freshAfter.Remaining);
    }

    [Fact]
    public async Task ReserveOnALeakyBucketAnswersHowLongToWait()
    {
        using var client = fixture.NewClient();
        var key = SiloFixture.UniqueKey("image");

        // The silo's clock runs on between the calls: each wait is its slot (one every 2 s at 30 per minute) less the time
        // passed since the first call, as this test measures it (an upper bound of what passed on the silo between them).
        var first = TimeProvider.System.GetTimestamp();
        var waits = new List<(TimeSpan Wait, TimeSpan Since)>();
        for (var i = 0; i < 3; i++)
        {
            var wait = (await client.ReserveAsync("image-api", key)).Wait;
            waits.Add((wait, TimeProvider.System.GetElapsedTime(first)));
        }

        Assert.Equal(TimeSpan.Zero, waits[0].Wait);
        Assert.InRange(waits[1].Wait, TimeSpan.FromSeconds(2) - waits[1].Since, TimeSpan.FromSeconds(2));
        Assert.InRange(waits[2].Wait, TimeSpan.FromSeconds(4) - waits[2].Since, TimeSpan.FromSeconds(4));
    }

    [Fact]
    public async Task LeasesAreLimitedUntilReleased()
    {
        using var client = fixture.NewClient();
        var key = SiloFixture.UniqueKey("account");

        var first = await client.AcquireAsync("inflight", key);
        var second = await client.AcquireAsync("inflight", key);
        var third = await client.AcquireAsync("inflight", key);
        await client.ReleaseAsync("inflight", key, first.LeaseId);
        var afterRelease = await client.AcquireAsync("inflight", key);

        Assert.True(first.Allowed && second.Allowed);
        Assert.NotEqual(0, first.LeaseId);
        Assert.False(third.Allowed);
        Assert.True(afterRelease.Allowed);
    }

    [Fact]
    public async Task PauseDeniesTheKeyForItsDurationAndOnlyThatKey()
    {
        using var client = fixture.NewClient();
        var paused = SiloFixture.UniqueKey("upstream");
        var other = SiloFixture.UniqueKey("upstream");

        var pauseAnswer = await client.PauseAsync("roomy", paused, TimeSpan.FromMinutes(10));
        var check = await client.CheckAsync("roomy", paused);
        var shorterPause = await client.PauseAsync("roomy", paused, TimeSpan.FromSeconds(1));
        var otherCheck = await client.CheckAsync("roomy", other);

        Assert.False(pauseAnswer.Allowed);
        Assert.False(check.Allowed);
        Assert.InRange(check.RetryAfter!.Value, TimeSpan.FromMinutes(9.9), TimeSpan.FromMinutes(10));
        // A shorter pause never shortens the one in force.
        Assert.True(shorterPause.RetryAfter > TimeSpan.FromMinutes(9.9));
        Assert.True(otherCheck.Allowed);
    }

    [Fact]
    public async Task FailsOverToTheNextSiloWhenTheFirstRefusesConnections()
    {
        var dead = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        using var client = fixture.NewClient(o => o.Endpoints = [dead, fixture.GrpcAddress]);

        var first = await client.CheckAsync("roomy", SiloFixture.UniqueKey("failover"));
        var second = await client.CheckAsync("roomy", SiloFixture.UniqueKey("failover"));

        Assert.True(first.Allowed);
        Assert.False(first.IsFallback);
        Assert.False(second.IsFallback);
        Assert.Equal(0, client.FailOpenCount);
    }

    [Fact]
    public async Task BadInputIsNotAnOutageItThrows()
    {
        using var client = fixture.NewClient();

        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.CheckAsync("no-such-policy", "k"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("no-such-policy", error.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.FailOpenCount);
    }

    [Fact]
    public async Task WarmUpCountsServingSilos()
    {
        var dead = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        using var client = fixture.NewClient(o => o.Endpoints = [fixture.GrpcAddress, dead]);

        Assert.Equal(1, await client.WarmUpAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public async Task DecisionsOfAnAdaptivePolicyAskForTheOutcomeAndItsReportsReachTheKeysGrain()
    {
        var client = fixture.NewClient();
        var key = SiloFixture.UniqueKey("adaptive");

        var adaptive = await client.CheckAsync("adaptive-api", key);
        var peek = await client.GetAsync("adaptive-api", key);
        var plain = await client.CheckAsync("roomy", key);
        await client.ReportAsync("adaptive-api", key, failed: false, TimeSpan.FromMilliseconds(20), status: 200);
        await client.ReportAsync("adaptive-api", key, failed: false, TimeSpan.FromMilliseconds(30), status: 200);
        await client.ReportAsync("adaptive-api", key, failed: false, latency: null, status: 503);
        await client.ReportAsync("roomy", key, failed: true);
        await client.DisposeAsync();

        Assert.True(adaptive.ReportOutcome);
        Assert.True(peek.ReportOutcome);
        Assert.False(plain.ReportOutcome);
        Assert.Equal(4, client.OutcomesReported);
        Assert.Equal(0, client.OutcomesDropped);
        // The grain learned from the three outcomes of its key (a 503 is a failure); the static policy's outcome was ignored.
        var grain = fixture.Silo.Get<IGrainFactory>().GetGrain<ILimitGrain>(LimitGrainKey.Encode("adaptive-api", key));
        var learned = (await grain.InspectAsync()).Limits[0].Adaptive!;
        Assert.InRange(learned.Samples, 2.9, 3);
        Assert.Equal(2.0 / 3, learned.SuccessRate!.Value, precision: 3);
        Assert.InRange(learned.Latency!.Value.TotalMilliseconds, 24.9, 25.1);
    }

    [Fact]
    public void InvalidOptionsNameEverySettingToFix()
    {
        var error = Assert.Throws<ArgumentException>(() => new GrainLimiterClient(new GrainLimiterClientOptions { Deadline = TimeSpan.Zero }));

        Assert.Contains("GrainLimiter:Client:Endpoints", error.Message, StringComparison.Ordinal);
        Assert.Contains("GrainLimiter:Client:Deadline", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(20, true, "is outside 1 ms .. Deadline")]
    [InlineData(0, true, "is outside 1 ms .. Deadline")]
    [InlineData(10, false, "needs RequestIds")]
    public void AnAttemptTimeoutMustLeaveTimeForAnotherSiloAndNeedsRequestIds(int attemptMs, bool requestIds, string problem)
    {
        var options = new GrainLimiterClientOptions
        {
            Endpoints = [new("http://127.0.0.1:1")],
            Deadline = TimeSpan.FromMilliseconds(20),
            AttemptTimeout = TimeSpan.FromMilliseconds(attemptMs),
            RequestIds = requestIds,
        };

        var found = Assert.Single(options.Validate());

        Assert.StartsWith("GrainLimiter:Client:AttemptTimeout", found, StringComparison.Ordinal);
        Assert.Contains(problem, found, StringComparison.Ordinal);
    }
}
