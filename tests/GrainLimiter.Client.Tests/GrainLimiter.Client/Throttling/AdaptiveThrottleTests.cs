using System.Net;
using GrainLimiter.Client.Tests.Fixtures;
using GrainLimiter.Client.Throttling;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.Extensions.DependencyInjection;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.Throttling;

/// <summary>A throttle key whose policy adapts by AIMD (<c>upstream-aimd</c>: limit 100, decrease 0.5, interval 1 s), over a real silo
/// through the gRPC transport. The silo, the throttle and the client's report batches share one fake clock, so the interval and
/// the upstream's latency are exact.</summary>
public sealed class AdaptiveThrottleTests
{
    private const string Policy = "upstream-aimd";

    [Fact]
    public async Task AnUpstreamTooManyRequestsCutsTheLimitTheKeysGrainGivesEveryProcess()
    {
        var clock = new SleepersClock();
        await using var silo = await RunningSilo.StartAsync(TestPolicies.Yaml, configure: builder => builder.Services.AddSingleton(clock.ForSilo));
        var key = "api:" + Guid.NewGuid().ToString("N");
        await using var worker = NewClient(silo, clock);
        await using var otherProcess = NewClient(silo, clock);
        var throttle = new OutboundThrottle(worker, new OutboundThrottleOptions { Keys = { [key] = Policy } }, clock);
        using var ok = new HttpResponseMessage(HttpStatusCode.OK);
        using var limited = new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Headers = { RetryAfter = new(TimeSpan.FromSeconds(1)) } };

        var before = await otherProcess.GetAsync(Policy, key);
        await throttle.SendAsync(key, _ => Upstream(clock, ok));
        await FlushAsync(worker, clock, reported: 1);
        // An interval later the upstream answers 429: the interval's outcomes (one of two failed) are unhealthy, so AIMD halves the limit.
        clock.Advance(TimeSpan.FromSeconds(1));
        await throttle.SendAsync(key, _ => Upstream(clock, limited));
        var pausedForOthers = await otherProcess.GetAsync(Policy, key);
        await FlushAsync(worker, clock, reported: 2);
        clock.Advance(TimeSpan.FromSeconds(1));
        var after = await otherProcess.GetAsync(Policy, key);

        Assert.True(before.ReportOutcome);
        Assert.Equal(100, before.Limit);
        Assert.False(pausedForOthers.Allowed);
        Assert.True(after.Allowed);
        Assert.Equal(50, after.Limit);
        Assert.Equal(0, worker.OutcomesDropped);
    }

    private static GrainLimiterClient NewClient(RunningSilo silo, TimeProvider clock) =>
        new(new GrainLimiterClientOptions { Endpoints = [silo.GrpcAddress], Deadline = TimeSpan.FromSeconds(5) }, loggerFactory: null, clock);

    private static Task<HttpResponseMessage> Upstream(FakeTimeProvider clock, HttpResponseMessage response)
    {
        clock.Advance(TimeSpan.FromMilliseconds(50));
        return Task.FromResult(response);
    }

    // The interval passes on the fake clock; the batch then goes to the silo for real.
    private static async Task FlushAsync(GrainLimiterClient client, FakeTimeProvider clock, int reported)
    {
        clock.Advance(client.Options.ReportInterval);
        await Eventually.TrueAsync(() => Task.FromResult(client.OutcomesReported == reported), TimeSpan.FromSeconds(30), $"{reported} outcome(s) are reported");
    }
}
