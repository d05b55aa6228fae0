using System.Diagnostics.Metrics;
using System.Net;
using GrainLimiter.Protocol.V1;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Runtime.Overload;
using GrainLimiter.Silo.Tests.Fixtures;
using Grpc.Net.Client;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace GrainLimiter.Silo.Tests.Runtime.Overload;

/// <summary>A silo that answers overloads by each policy's failure mode (GrainLimiter:OverloadAnswer failure-mode), over real HTTP and a
/// real gRPC client while its grain calls are held.</summary>
public sealed class FailureModeOverloadTests : IClassFixture<FailureModeSiloFixture>, IAsyncLifetime
{
    private readonly FailureModeSiloFixture _fixture;
    private readonly GrpcChannel _channel;
    private readonly Limiter.LimiterClient _limiter;
    private readonly MetricCollector<long> _shed;

    public FailureModeOverloadTests(FailureModeSiloFixture fixture)
    {
        _fixture = fixture;
        _channel = GrpcChannel.ForAddress(fixture.Silo.GrpcAddress);
        _limiter = new Limiter.LimiterClient(_channel);
        _shed = new MetricCollector<long>(fixture.Silo.Get<IMeterFactory>(), MetricNames.Meter, MetricNames.Shed);
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        _fixture.Held.Open();
        await Eventually.TrueAsync(() => Task.FromResult(_fixture.Silo.Get<CheckAdmission>().InFlight == 0), TimeSpan.FromSeconds(30), "the held checks ended");
        _shed.Dispose();
        _channel.Dispose();
    }

    [Fact]
    public async Task AnHttpCheckPastCheckTimeoutIsAnsweredByItsPolicysFailureMode()
    {
        _fixture.Held.Close();

        // HTTP brings no deadline: GrainLimiter:CheckTimeout (2 s here) bounds the wait.
        var (openCheck, closedCheck) = (_fixture.Silo.Http.CheckAsync(OverloadSiloFixture.Open, OverloadSiloFixture.UniqueKey()),
            _fixture.Silo.Http.CheckAsync(OverloadSiloFixture.Closed, OverloadSiloFixture.UniqueKey()));
        var (open, closed) = (await openCheck, await closedCheck);

        Assert.Equal(HttpStatusCode.OK, open.StatusCode);
        Assert.Equal("overloaded", (await open.JsonAsync()).GetProperty("results")[0].GetProperty("reason").GetString());
        Assert.Equal(HttpStatusCode.TooManyRequests, closed.StatusCode);
        Assert.Equal("overloaded", (await closed.JsonAsync()).GetProperty("results")[0].GetProperty("reason").GetString());
        Assert.Equal(2, Shed("http", "deadline"));
    }

    [Fact]
    public async Task AGrpcCheckWhoseDeadlineExpiresIsAnsweredByItsPolicysFailureModeBeforeTheDeadline()
    {
        _fixture.Held.Close();

        var answer = await _limiter.CheckAsync(Check(OverloadSiloFixture.Closed, OverloadSiloFixture.UniqueKey()), deadline: OverloadSiloFixture.Deadline());

        Assert.False(answer.Allowed);
        Assert.Equal("overloaded", answer.Decisions[0].Reason);
        Assert.Equal(1, Shed("grpc", "deadline"));
    }

    [Fact]
    public async Task ChecksBeyondTheBoundAreAnsweredAtOnceByTheirPolicysFailureMode()
    {
        _fixture.Held.Close();
        var admitted = Enumerable.Range(0, OverloadSiloFixture.MaxChecksInFlight)
            .Select(_ => _limiter.CheckAsync(Check(OverloadSiloFixture.Open, OverloadSiloFixture.UniqueKey())).ResponseAsync).ToArray();
        await _fixture.Held.UntilHeldAsync(OverloadSiloFixture.MaxChecksInFlight);

        var open = await _limiter.CheckAsync(Check(OverloadSiloFixture.Open, "one-too-many"));
        var closed = await _fixture.Silo.Http.CheckAsync(OverloadSiloFixture.Closed, "one-too-many");

        Assert.True(open.Allowed);
        Assert.Equal("overloaded", open.Decisions[0].Reason);
        Assert.Equal(HttpStatusCode.TooManyRequests, closed.StatusCode);
        Assert.Equal("overloaded", (await closed.JsonAsync()).GetProperty("results")[0].GetProperty("reason").GetString());
        Assert.Equal(1, Shed("grpc", "in_flight"));
        Assert.Equal(1, Shed("http", "in_flight"));

        // The held checks are answered too (by their grains once released, or by the failure mode at CheckTimeout): none is lost.
        _fixture.Held.Open();
        Assert.All(await Task.WhenAll(admitted), a => Assert.True(a.Allowed));
    }

    private long Shed(string front, string reason) => _shed.GetMeasurementSnapshot()
        .Where(m => (string?)m.Tags["front"] == front && (string?)m.Tags["reason"] == reason).Sum(m => m.Value);

    private static Protocol.V1.CheckRequest Check(string policy, string key) => new() { Checks = { new Hit { Policy = policy, Key = key } } };
}
