using GrainLimiter.Adaptive;
using GrainLimiter.Client.Transport;
using GrainLimiter.Decisions;
using GrainLimiter.Protocol.V1;
using Grpc.Core;
using DecisionCheck = GrainLimiter.Decisions.CheckRequest;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.Transport;

/// <summary>The wire forms of reports and of a decision's <c>report_outcome</c>, on both transports.</summary>
public sealed class ReportMappingTests
{
    [Fact]
    public void AGrpcDecisionsReportOutcomeIsTheClientDecisionsOwn()
    {
        var asking = DecisionMapping.ToDecision(new Decision { Policy = "p", Key = "k", Allowed = true, ReportOutcome = true });
        var silent = DecisionMapping.ToDecision(new Decision { Policy = "p", Key = "k", Allowed = true });

        Assert.True(asking.ReportOutcome);
        Assert.False(silent.ReportOutcome);
    }

    [Fact]
    public void AnOrleansFrontResultsReportOutcomeIsTheClientDecisionsOwn()
    {
        var decision = new LimitDecision(true, 10, 9, TimeSpan.FromSeconds(1), TimeSpan.Zero);

        var asking = DecisionMapping.ToDecision(new CheckResult(new DecisionCheck("p", "k"), decision, "p", ReportOutcome: true), TimeSpan.FromSeconds(1));
        var silent = DecisionMapping.ToDecision(new CheckResult(new DecisionCheck("p", "k"), decision, "p"), TimeSpan.FromSeconds(1));

        Assert.True(asking.ReportOutcome);
        Assert.False(silent.ReportOutcome);
    }

    [Fact]
    public void OutcomesGoOnTheWireFieldByFieldAndAnUnmeasuredLatencyStaysUnset()
    {
        var request = OutcomeMapping.ToProto([new RequestOutcome("p", "k", true, TimeSpan.FromMilliseconds(1500), 503), new("p", "j", false)]);

        Assert.Equal(2, request.Outcomes.Count);
        Assert.Equal(new Outcome { Policy = "p", Key = "k", Failed = true, Latency = new() { Seconds = 1, Nanos = 500_000_000 }, Status = 503 },
            request.Outcomes[0]);
        Assert.Null(request.Outcomes[1].Latency);
        Assert.Equal(0, request.Outcomes[1].Status);
    }

    [Fact]
    public void AnOrleansFrontsRefusalIsThrownAsTheGrpcFrontWouldFail()
    {
        var refusal = new ReportAnswer((int)StatusCode.InvalidArgument, 0, "outcomes[0].key is required.");

        var refused = Assert.Throws<RpcException>(() => OutcomeMapping.ToAccepted(refusal));

        Assert.Equal(StatusCode.InvalidArgument, refused.StatusCode);
        Assert.Equal("outcomes[0].key is required.", refused.Status.Detail);
        Assert.Equal(3, OutcomeMapping.ToAccepted(new ReportAnswer((int)StatusCode.OK, 3)));
    }
}
