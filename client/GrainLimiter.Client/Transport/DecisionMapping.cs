using GrainLimiter.Client.Decisions;
using ProtoDecision = GrainLimiter.Protocol.V1.Decision;

namespace GrainLimiter.Client.Transport;

/// <summary>Turns the wire form of a decision into <see cref="ClusterDecision"/>.</summary>
internal static class DecisionMapping
{
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
        proto.Reason.Length == 0 ? null : proto.Reason);
}
