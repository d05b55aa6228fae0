using GrainLimiter.Decisions;
using Grpc.Core;

namespace GrainLimiter.Silo.Checks.Overload;

/// <summary>A check the silo shed, with <see cref="OverloadAnswers.Refuse"/> configured: each front answers it in its own terms.</summary>
public sealed class SiloOverloadedException(string reason, TimeSpan retryAfter)
    : Exception($"overloaded ({reason}): this silo cannot decide the check in time; " +
        $"retry after {DecisionTimes.Milliseconds(retryAfter)} ms or apply your failure mode.")
{
    /// <summary>The gRPC trailer that tells a client's retry policy when to try again (gRPC A6).</summary>
    public const string RetryPushbackTrailer = "grpc-retry-pushback-ms";

    /// <summary>Why it was shed: one of <see cref="ShedReasons"/>.</summary>
    public string Reason { get; } = reason;

    public TimeSpan RetryAfter { get; } = retryAfter;

    /// <summary>RESOURCE_EXHAUSTED with the retry pushback, as the gRPC fronts (Limiter, Envoy RLS) answer.</summary>
    public RpcException ToRpcException() =>
        new(new Status(StatusCode.ResourceExhausted, Message),
            new Metadata { { RetryPushbackTrailer, DecisionTimes.Milliseconds(RetryAfter).ToString(System.Globalization.CultureInfo.InvariantCulture) } });

    /// <summary>Whether <paramref name="status"/> is an overload answer (not a message too large, the other RESOURCE_EXHAUSTED).</summary>
    public static bool IsOverload(Status status) =>
        status.StatusCode == StatusCode.ResourceExhausted && status.Detail.StartsWith("overloaded (", StringComparison.Ordinal);
}
