using GrainLimiter.Adaptive;
using GrainLimiter.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GrainLimiter.Client.Transport;

/// <summary>The wire forms of a report of outcomes: protobuf for gRPC, the Orleans front's answer to the client's count.</summary>
internal static class OutcomeMapping
{
    public static ReportRequest ToProto(RequestOutcome[] outcomes)
    {
        var request = new ReportRequest();
        foreach (var outcome in outcomes)
        {
            request.Outcomes.Add(new Outcome
            {
                Policy = outcome.Policy,
                Key = outcome.Key,
                Failed = outcome.Failed,
                Latency = outcome.Latency is { } latency ? Duration.FromTimeSpan(latency) : null,
                Status = outcome.Status,
            });
        }

        return request;
    }

    /// <summary>How many outcomes the Orleans front counted, or the status the gRPC front would have failed with, thrown as it would be.</summary>
    public static int ToAccepted(ReportAnswer answer) => answer.Status == (int)StatusCode.OK
        ? answer.Accepted
        : throw new RpcException(new Status((StatusCode)answer.Status, answer.Detail ?? ""));
}
