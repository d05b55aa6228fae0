using System.Diagnostics.Metrics;
using GrainLimiter.Protocol.V1;
using GrainLimiter.Silo.Fronts;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Tests.Fixtures;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace GrainLimiter.Silo.Tests.Fronts.Grpc;

/// <summary>grainlimiter.v1.Limiter/Report and <c>report_outcome</c>, called by a real gRPC client (Grpc.Net.Client) over HTTP/2.</summary>
[Collection(AdaptiveSiloCollection.Name)]
public sealed class ReportWireTests : IDisposable
{
    private readonly AdaptiveSiloFixture _fixture;
    private readonly GrpcChannel _channel;
    private readonly Limiter.LimiterClient _limiter;
    private readonly MetricCollector<long> _reported;
    private readonly MetricCollector<long> _badRequests;

    public ReportWireTests(AdaptiveSiloFixture fixture)
    {
        _fixture = fixture;
        _channel = GrpcChannel.ForAddress(fixture.Silo.GrpcAddress);
        _limiter = new Limiter.LimiterClient(_channel);
        _reported = new MetricCollector<long>(fixture.Silo.Get<IMeterFactory>(), MetricNames.Meter, MetricNames.ReportedOutcomes);
        _badRequests = new MetricCollector<long>(fixture.Silo.Get<IMeterFactory>(), MetricNames.Meter, MetricNames.BadRequests);
    }

    public void Dispose()
    {
        _reported.Dispose();
        _badRequests.Dispose();
        _channel.Dispose();
    }

    [Fact]
    public async Task ReportOfAnAdaptivePolicyAcceptsEveryOutcomeAndCountsThemByResult()
    {
        var key = AdaptiveSiloFixture.UniqueKey();

        var response = await _limiter.ReportAsync(Report(
            Outcome(AdaptiveSiloFixture.Adaptive, key, latencyMs: 12),
            Outcome(AdaptiveSiloFixture.Adaptive, key, status: 503),
            Outcome(AdaptiveSiloFixture.Adaptive, key + "-other", failed: true)));

        Assert.Equal(3, response.Accepted);
        Assert.Equal(1, Reported("success"));
        Assert.Equal(2, Reported("failure"));
    }

    [Fact]
    public async Task OutcomesOfAStaticPolicyAreIgnored()
    {
        var key = AdaptiveSiloFixture.UniqueKey();

        var ignored = await _limiter.ReportAsync(Report(Outcome(AdaptiveSiloFixture.Static, key), Outcome(AdaptiveSiloFixture.Static, key, failed: true)));
        var mixed = await _limiter.ReportAsync(Report(Outcome(AdaptiveSiloFixture.Static, key), Outcome(AdaptiveSiloFixture.Adaptive, key)));

        Assert.Equal(0, ignored.Accepted);
        Assert.Equal(1, mixed.Accepted);
        Assert.Equal(1, Reported("success"));
    }

    public static TheoryData<string, string> BadOutcomes => new()
    {
        { "key", "outcomes[1].key is required" },
        { "long-key", "outcomes[1].key is 257 bytes long" },
        { "policy", "outcomes[1].policy 'no-such-policy' is not a configured policy." },
        { "negative-latency", "outcomes[1].latency is -5 ms" },
        { "long-latency", "outcomes[1].latency is 3600001 ms" },
        { "unnormalized-latency", "outcomes[1].latency is not a valid duration" },
        { "status", "outcomes[1].status is 99" },
        { "status-600", "outcomes[1].status is 600" },
    };

    [Theory]
    [MemberData(nameof(BadOutcomes))]
    public async Task OneBadOutcomeFailsTheWholeReportWithInvalidArgumentNamingItsField(string fault, string message)
    {
        var bad = Outcome(AdaptiveSiloFixture.Adaptive, AdaptiveSiloFixture.UniqueKey());
        switch (fault)
        {
            case "key": bad.Key = ""; break;
            case "long-key": bad.Key = new string('k', 257); break;
            case "policy": bad.Policy = "no-such-policy"; break;
            case "negative-latency": bad.Latency = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(-5)); break;
            case "long-latency": bad.Latency = Duration.FromTimeSpan(TimeSpan.FromHours(1) + TimeSpan.FromMilliseconds(1)); break;
            case "unnormalized-latency": bad.Latency = new Duration { Seconds = 1, Nanos = -5 }; break;
            case "status": bad.Status = 99; break;
            case "status-600": bad.Status = 600; break;
        }

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await _limiter.ReportAsync(Report(Outcome(AdaptiveSiloFixture.Adaptive, AdaptiveSiloFixture.UniqueKey()), bad)));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.StartsWith(message, refused.Status.Detail, StringComparison.Ordinal);
        // The good outcome before it was not counted either.
        Assert.Empty(_reported.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task AReportOfNoOutcomeOrOfTooManyIsInvalidArgument()
    {
        var key = AdaptiveSiloFixture.UniqueKey();
        var tooMany = Report(Enumerable.Range(0, AdaptiveSiloFixture.MaxOutcomes + 1).Select(_ => Outcome(AdaptiveSiloFixture.Adaptive, key)).ToArray());

        var empty = await Assert.ThrowsAsync<RpcException>(async () => await _limiter.ReportAsync(new ReportRequest()));
        var over = await Assert.ThrowsAsync<RpcException>(async () => await _limiter.ReportAsync(tooMany));

        Assert.Equal(StatusCode.InvalidArgument, empty.StatusCode);
        Assert.Equal("outcomes must contain at least one outcome.", empty.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, over.StatusCode);
        Assert.Equal($"outcomes has {AdaptiveSiloFixture.MaxOutcomes + 1} outcomes; at most {AdaptiveSiloFixture.MaxOutcomes} are allowed in one report.",
            over.Status.Detail);
        Assert.Equal(AdaptiveSiloFixture.MaxOutcomes, (await _limiter.ReportAsync(Report(tooMany.Outcomes.Skip(1).ToArray()))).Accepted);
        Assert.Equal(2, _badRequests.GetMeasurementSnapshot()
            .Count(static m => m.Tags["front"] as string == BadRequests.Front.Grpc && m.Tags["reason"] as string == BadRequests.Reason.InvalidArgument));
    }

    [Fact]
    public async Task DecisionsOfAnAdaptivePolicyAskForTheOutcomeAndOthersDoNot()
    {
        var key = AdaptiveSiloFixture.UniqueKey();

        var check = await _limiter.CheckAsync(new CheckRequest
        {
            Checks = { new Hit { Policy = AdaptiveSiloFixture.Adaptive, Key = key }, new Hit { Policy = AdaptiveSiloFixture.Static, Key = key } },
        });
        var reserve = await _limiter.ReserveAsync(new ReserveRequest { Policy = AdaptiveSiloFixture.Adaptive, Key = key });
        var get = await _limiter.GetAsync(new GetRequest { Policy = AdaptiveSiloFixture.Adaptive, Key = key });
        var staticGet = await _limiter.GetAsync(new GetRequest { Policy = AdaptiveSiloFixture.Static, Key = key });

        Assert.True(check.Allowed);
        Assert.True(check.Decisions[0].ReportOutcome);
        Assert.False(check.Decisions[1].ReportOutcome);
        Assert.True(reserve.Decision.ReportOutcome);
        Assert.True(get.Decision.ReportOutcome);
        Assert.False(staticGet.Decision.ReportOutcome);
    }

    [Fact]
    public async Task FailuresReportedOverTheWireLowerTheLimitInForceOfTheKeyAlone()
    {
        var key = AdaptiveSiloFixture.UniqueKey();
        var failures = Enumerable.Range(0, AdaptiveSiloFixture.MaxOutcomes).Select(_ => Outcome(AdaptiveSiloFixture.Adaptive, key, status: 503)).ToArray();

        // The policy revises at every report (a one-tick interval) once 10 outcomes are known: all failed, so it falls to min.
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(failures.Length, (await _limiter.ReportAsync(Report(failures))).Accepted);
        }

        var lowered = await _limiter.GetAsync(new GetRequest { Policy = AdaptiveSiloFixture.Adaptive, Key = key });
        var untouched = await _limiter.GetAsync(new GetRequest { Policy = AdaptiveSiloFixture.Adaptive, Key = key + "-untouched" });
        Assert.Equal(1, lowered.Decision.Limit);
        Assert.Equal(10, untouched.Decision.Limit);
    }

    private long Reported(string result) =>
        _reported.GetMeasurementSnapshot()
            .Where(m => m.Tags["policy"] as string == AdaptiveSiloFixture.Adaptive && m.Tags["result"] as string == result)
            .Sum(static m => m.Value);

    private static ReportRequest Report(params Outcome[] outcomes) => new() { Outcomes = { outcomes } };

    private static Outcome Outcome(string policy, string key, bool failed = false, double? latencyMs = null, int status = 0)
    {
        var outcome = new Outcome { Policy = policy, Key = key, Failed = failed, Status = status };
        if (latencyMs is { } ms)
        {
            outcome.Latency = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(ms));
        }

        return outcome;
    }
}
