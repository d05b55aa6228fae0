using System.Net;
using GrainLimiter.Adaptive;
using GrainLimiter.Client.Tests.Fixtures;
using GrainLimiter.Client.Throttling;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.Throttling;

/// <summary>The throttle reports each upstream call's outcome to its key's adaptive limit, over a fake cluster whose decisions of
/// <c>adaptive-upstream</c> ask for it; the upstream's latency is what the fake clock moved during the call.</summary>
public sealed class OutboundThrottleOutcomeTests
{
    private const string Adaptive = "adaptive-upstream";
    private const string Static = "static-upstream";
    private readonly FakeClusterTransport _cluster = new() { AdaptivePolicies = { Adaptive } };
    private readonly FakeTimeProvider _clock = new();

    [Fact]
    public async Task SendAsyncReportsATooManyRequestsAsAFailureAndStillPausesTheKeyForItsRetryAfter()
    {
        var client = _cluster.NewClient(_clock);
        var throttle = Throttle(client);
        using var limited = new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Headers = { RetryAfter = new(TimeSpan.FromSeconds(7)) } };

        var response = await throttle.SendAsync("api", _ => Upstream(TimeSpan.FromMilliseconds(150), limited));
        await client.DisposeAsync();

        Assert.Same(limited, response);
        Assert.Equal([new RequestOutcome(Adaptive, "api", true, TimeSpan.FromMilliseconds(150), 429)], _cluster.Outcomes);
        Assert.Equal([(Adaptive, "api", TimeSpan.FromSeconds(7))], _cluster.Pauses);
    }

    [Fact]
    public async Task SendAsyncReportsASuccessWithItsLatencyAndAServerErrorAsAFailure()
    {
        var client = _cluster.NewClient(_clock);
        var throttle = Throttle(client);
        using var ok = new HttpResponseMessage(HttpStatusCode.OK);
        using var unavailable = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);

        await throttle.SendAsync("api", _ => Upstream(TimeSpan.FromMilliseconds(40), ok));
        await throttle.SendAsync("api", _ => Upstream(TimeSpan.FromMilliseconds(900), unavailable));
        await client.DisposeAsync();

        Assert.Equal(
            [
                new RequestOutcome(Adaptive, "api", false, TimeSpan.FromMilliseconds(40), 200),
                new RequestOutcome(Adaptive, "api", true, TimeSpan.FromMilliseconds(900), 503),
            ],
            _cluster.Outcomes);
        Assert.Empty(_cluster.Pauses);
    }

    [Fact]
    public async Task AnUpstreamThatGivesNoAnswerIsReportedAsAFailureAndItsExceptionReachesTheCaller()
    {
        var client = _cluster.NewClient(_clock);
        var throttle = Throttle(client);

        await Assert.ThrowsAsync<HttpRequestException>(() => throttle.SendAsync("api", _ =>
        {
            _clock.Advance(TimeSpan.FromSeconds(2));
            throw new HttpRequestException("connection refused");
        }));
        await client.DisposeAsync();

        Assert.Equal([new RequestOutcome(Adaptive, "api", true, TimeSpan.FromSeconds(2), 0)], _cluster.Outcomes);
    }

    [Fact]
    public async Task ACallersOwnCallReportedWithItsStatusAndLatencyCountsTheSame()
    {
        var client = _cluster.NewClient(_clock);
        var throttle = Throttle(client);

        await throttle.WaitAsync("api");
        await throttle.ReportUpstreamOutcomeAsync("api", 429, TimeSpan.FromMilliseconds(80));
        await client.DisposeAsync();

        Assert.Equal([new RequestOutcome(Adaptive, "api", true, TimeSpan.FromMilliseconds(80), 429)], _cluster.Outcomes);
    }

    [Fact]
    public async Task AKeyWhosePolicyDoesNotAdaptReportsNothingButStillPausesOnTooManyRequests()
    {
        var client = _cluster.NewClient(_clock);
        var throttle = Throttle(client);
        using var limited = new HttpResponseMessage(HttpStatusCode.TooManyRequests) { Headers = { RetryAfter = new(TimeSpan.FromSeconds(3)) } };

        await throttle.SendAsync("static", _ => Upstream(TimeSpan.FromMilliseconds(10), limited));
        await client.DisposeAsync();

        Assert.Empty(_cluster.Reports);
        Assert.Equal([(Static, "static", TimeSpan.FromSeconds(3))], _cluster.Pauses);
    }

    private OutboundThrottle Throttle(GrainLimiterClient client) =>
        new(client, new OutboundThrottleOptions { Keys = { ["api"] = Adaptive, ["static"] = Static } }, _clock);

    private Task<HttpResponseMessage> Upstream(TimeSpan takes, HttpResponseMessage response)
    {
        _clock.Advance(takes);
        return Task.FromResult(response);
    }
}
