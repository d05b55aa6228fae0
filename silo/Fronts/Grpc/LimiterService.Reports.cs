using GrainLimiter.Adaptive;
using GrainLimiter.Protocol.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>Report: how admitted requests fared, for adaptive limits.</summary>
internal sealed partial class LimiterService
{
    public async Task<ReportResponse> Report(ReportRequest request, ServerCallContext context)
    {
        // Bounded before anything is allocated for the items.
        if (request.Outcomes.Count > front.Outcomes.MaxOutcomes)
        {
            throw LimiterFront.Invalid(front.Outcomes.TooMany(request.Outcomes.Count));
        }

        var outcomes = new RequestOutcome[request.Outcomes.Count];
        for (var i = 0; i < outcomes.Length; i++)
        {
            var outcome = request.Outcomes[i];
            outcomes[i] = new RequestOutcome(outcome.Policy, outcome.Key, outcome.Failed, Latency(outcome.Latency, i), outcome.Status);
        }

        return new ReportResponse { Accepted = await front.ReportAsync(outcomes, context.CancellationToken).ConfigureAwait(false) };
    }

    // Duration.ToTimeSpan throws on a duration that is not normalized (nanos of another sign than seconds, or a second or more):
    // the caller's to fix, so it is named as a bad field rather than failing the call as the server's error.
    private static TimeSpan? Latency(Duration? latency, int index)
    {
        if (latency is null)
        {
            return null;
        }

        var normalized = latency.Nanos is > -Duration.NanosecondsPerSecond and < Duration.NanosecondsPerSecond
            && (latency.Seconds == 0 || latency.Nanos == 0 || latency.Seconds > 0 == latency.Nanos > 0)
            && latency.Seconds is >= Duration.MinSeconds and <= Duration.MaxSeconds;
        return normalized
            ? latency.ToTimeSpan()
            : throw LimiterFront.Invalid(new($"outcomes[{index}].latency",
                "is not a valid duration: nanos must be within a second and of the sign of seconds."));
    }
}
