using GrainLimiter.Client.Decisions;
using GrainLimiter.Decisions;
using GrainLimiter.Protocol.V1;
using Grpc.Core;
using CheckRequest = GrainLimiter.Protocol.V1.CheckRequest;
using ProtoDecision = GrainLimiter.Protocol.V1.Decision;

namespace GrainLimiter.Client.Transport;

/// <summary>The wire forms of checks and decisions (protobuf for gRPC, the Orleans front's typed records) to and from the client's own.</summary>
internal static class DecisionMapping
{
    public static CheckRequest ToProto(LimitCheck[] checks, string? requestId = null)
    {
        var request = new CheckRequest { RequestId = requestId ?? "" };
        foreach (var check in checks)
        {
            request.Checks.Add(new Hit { Policy = check.Policy, Key = check.Key, Cost = check.Cost });
        }

        return request;
    }

    public static ClusterCheckOutcome ToOutcome(CheckResponse response)
    {
        var decisions = new ClusterDecision[response.Decisions.Count];
        for (var i = 0; i < decisions.Length; i++)
        {
            decisions[i] = ToDecision(response.Decisions[i]);
        }

        return new ClusterCheckOutcome(response.Allowed, decisions);
    }

    public static ClusterDecision ToDecision(ProtoDecision proto) => new(
        proto.Policy,
        proto.Key,
        proto.Allowed,
        proto.Limit,
        proto.Remaining,
        proto.ResetAfter?.ToTimeSpan() ?? TimeSpan.Zero,
        proto.RetryNever ? null : proto.RetryAfter?.ToTimeSpan() ?? TimeSpan.Zero,
        proto.Wait?.ToTimeSpan() ?? TimeSpan.Zero,
        proto.Window?.ToTimeSpan() ?? TimeSpan.Zero,
        proto.LeaseId,
        proto.Alert,
        proto.LimitName,
        proto.Reason.Length == 0 ? null : proto.Reason,
        proto.ReportOutcome);

    /// <summary>The Orleans front's answer: its decisions, or the status the gRPC front would have failed with, thrown as it would be.</summary>
    public static ClusterCheckOutcome ToOutcome(FrontDecisions answer)
    {
        if (answer.Status != (int)StatusCode.OK)
        {
            throw new RpcException(new Status((StatusCode)answer.Status, answer.Detail ?? ""));
        }

        var decisions = new ClusterDecision[answer.Results.Length];
        for (var i = 0; i < decisions.Length; i++)
        {
            decisions[i] = ToDecision(answer.Results[i], answer.Windows[i]);
        }

        return new ClusterCheckOutcome(answer.Allowed, decisions);
    }

    // The fields the gRPC front fills from the same result (LimiterService.ToProto), so both transports answer alike.
    internal static ClusterDecision ToDecision(in CheckResult result, TimeSpan window)
    {
        var decision = result.Decision;
        return new ClusterDecision(
            result.Request.Policy,
            result.Request.Key,
            decision.Allowed,
            decision.Limit,
            decision.Remaining,
            decision.ResetAfter,
            decision.IsNeverAdmissible ? null : decision.RetryAfter,
            decision.Wait,
            window,
            decision.LeaseId,
            decision.AlertReached,
            result.LimitName ?? "",
            DecisionReasons.Stated(result.Reason, decision),
            result.ReportOutcome);
    }

    /// <summary>A batched check's error, thrown as the plain Check would have failed.</summary>
    public static RpcException ToException(CheckError error) => new(new Status((StatusCode)error.Code, error.Message));
}
