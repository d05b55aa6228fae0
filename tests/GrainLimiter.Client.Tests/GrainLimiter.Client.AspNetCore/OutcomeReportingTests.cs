using System.Net;
using GrainLimiter.Adaptive;
using GrainLimiter.Client.AspNetCore;
using GrainLimiter.Client.AspNetCore.Keys;
using GrainLimiter.Client.AspNetCore.Middleware;
using GrainLimiter.Client.AspNetCore.RateLimiting;
using GrainLimiter.Client.Tests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using static GrainLimiter.Client.Tests.GrainLimiter.Client.AspNetCore.GrainLimiterMiddlewareTests;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.AspNetCore;

/// <summary>Admitted requests report how they fared when their decision asks for it: through Kestrel, over a fake cluster whose
/// decisions of <c>adaptive</c> ask; each endpoint moves the fake clock by what it "takes", so latencies are exact.</summary>
public sealed class OutcomeReportingTests : IAsyncDisposable
{
    private static readonly TimeSpan Takes = TimeSpan.FromMilliseconds(250);
    private readonly FakeClusterTransport _cluster = new() { AdaptivePolicies = { "adaptive" } };
    private readonly FakeTimeProvider _clock = new();
    private readonly SemaphoreSlim _completed = new(0);
    private readonly GrainLimiterClient _client;
    private TestGateway? _gateway;

    public OutcomeReportingTests() => _client = _cluster.NewClient(_clock);

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }

        await _client.DisposeAsync();
        _completed.Dispose();
    }

    [Theory]
    [InlineData("/ok", 200, false)]
    [InlineData("/created", 201, false)]
    [InlineData("/unavailable", 503, true)]
    [InlineData("/not-found", 404, false)]
    public async Task TheMiddlewareReportsAnAdmittedRequestsStatusAndLatencyWhenItsDecisionAsks(string path, int status, bool failed)
    {
        await StartMiddlewareAsync(o => o.Rules.Add(LimitRule.For("adaptive", RequestKeys.ApiKey())));

        var response = await RequestAsync(path);

        Assert.Equal(status, (int)response);
        Assert.Equal([new RequestOutcome("adaptive", CheckedKey(), failed, Takes, status)], await ReportedAsync());
    }

    [Fact]
    public async Task AnExceptionThatEscapesIsReportedAsAFailedFiveHundred()
    {
        await StartMiddlewareAsync(o => o.Rules.Add(LimitRule.For("adaptive", RequestKeys.ApiKey())));

        var response = await RequestAsync("/throws");

        Assert.Equal(HttpStatusCode.InternalServerError, response);
        Assert.Equal([new RequestOutcome("adaptive", CheckedKey(), true, Takes, 500)], await ReportedAsync());
    }

    [Fact]
    public async Task OnlyTheKeysWhoseDecisionsAskAreReported()
    {
        await StartMiddlewareAsync(o =>
        {
            o.Rules.Add(LimitRule.For("static", RequestKeys.ApiKey()));
            o.Rules.Add(LimitRule.For("adaptive", RequestKeys.ApiKey()));
        });

        await RequestAsync("/ok");

        Assert.Equal([new RequestOutcome("adaptive", CheckedKey(), false, Takes, 200)], await ReportedAsync());
    }

    [Fact]
    public async Task NothingIsReportedWhenTheDecisionDoesNotAskForIt()
    {
        await StartMiddlewareAsync(o => o.Rules.Add(LimitRule.For("static", RequestKeys.ApiKey())));

        await RequestAsync("/unavailable");

        Assert.Empty(await ReportedAsync());
    }

    [Fact]
    public async Task NothingIsReportedWithReportOutcomesOff()
    {
        await StartMiddlewareAsync(o =>
        {
            o.Rules.Add(LimitRule.For("adaptive", RequestKeys.ApiKey()));
            o.ReportOutcomes = false;
        });

        await RequestAsync("/unavailable");

        Assert.Empty(await ReportedAsync());
    }

    [Fact]
    public async Task TheGlobalLimiterReportsAnAdmittedRequestWhenItsResponseCompletes()
    {
        await StartAsync(
            services => services.AddRateLimiter(_ => { }).AddGrainLimiterGlobalLimiter(LimitRule.For("adaptive", RequestKeys.ApiKey())),
            app => app.UseRateLimiter());

        await RequestAsync("/unavailable");

        Assert.Equal([new RequestOutcome("adaptive", CheckedKey(), true, Takes, 503)], await ReportedAsync());
    }

    private Task StartMiddlewareAsync(Action<GrainLimiterMiddlewareOptions> configure) => StartAsync(_ => { }, app => app.UseGrainLimiter(configure));

    private async Task StartAsync(Action<IServiceCollection> services, Action<WebApplication> limiter)
    {
        _gateway = await TestGateway.StartAsync(silo: null, s =>
        {
            s.AddSingleton(_client);
            s.AddSingleton<TimeProvider>(_clock);
            services(s);
        }, app =>
        {
            // Registered first, so it runs last: after every other completion callback, the global limiter's report included.
            app.Use(async (context, next) =>
            {
                context.Response.OnCompleted(() =>
                {
                    _completed.Release();
                    return Task.CompletedTask;
                });
                await next(context);
            });
            limiter(app);
            app.MapGet("/ok", () => Taking(Results.Ok("hi")));
            app.MapGet("/created", () => Taking(Results.StatusCode(201)));
            app.MapGet("/unavailable", () => Taking(Results.StatusCode(503)));
            app.MapGet("/not-found", () => Taking(Results.NotFound()));
            app.MapGet("/throws", IResult () =>
            {
                _clock.Advance(Takes);
                throw new InvalidOperationException("the handler failed");
            });
        });
    }

    private IResult Taking(IResult result)
    {
        _clock.Advance(Takes);
        return result;
    }

    private async Task<HttpStatusCode> RequestAsync(string path)
    {
        using var response = await _gateway!.Http.SendAsync(Get(path, Fixtures.SiloFixture.UniqueKey("key")));
        Assert.True(await _completed.WaitAsync(TimeSpan.FromSeconds(30)), $"{path} never completed");
        return response.StatusCode;
    }

    // The key the cluster was asked about (the API key's fingerprint).
    private string CheckedKey() => _cluster.Checks.Select(static c => c.Key).Distinct().Single();

    // Disposing the client sends what is queued.
    private async Task<RequestOutcome[]> ReportedAsync()
    {
        await _client.DisposeAsync();
        return _cluster.Outcomes;
    }
}
