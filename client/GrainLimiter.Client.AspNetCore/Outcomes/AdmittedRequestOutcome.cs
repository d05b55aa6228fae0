using GrainLimiter.Client.Decisions;
using Microsoft.AspNetCore.Http;

namespace GrainLimiter.Client.AspNetCore.Outcomes;

/// <summary>How a request the cluster admitted fared, reported to the adaptive limits whose decisions asked for it
/// (<see cref="ClusterDecision.ReportOutcome"/>): its response status (5xx, or an exception, is a failure) and latency.</summary>
internal static class AdmittedRequestOutcome
{
    /// <summary>Whether some decision of <paramref name="outcome"/> asks for the request's outcome.</summary>
    public static bool IsAsked(in ClusterCheckOutcome outcome)
    {
        foreach (var decision in outcome.Decisions)
        {
            if (decision.ReportOutcome)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Queues the outcome for every key whose decision asked for it (no call is made here).</summary>
    public static async ValueTask ReportAsync(GrainLimiterClient client, ClusterCheckOutcome outcome, int status, bool failed, TimeSpan latency)
    {
        // A request that lived over an hour (a stream, a web socket) says nothing of latency; the silos would refuse it.
        TimeSpan? measured = latency <= GrainLimiterClient.MaxReportedLatency ? latency : null;
        var known = status is >= 100 and <= 599 ? status : 0;
        failed |= known >= StatusCodes.Status500InternalServerError;
        foreach (var decision in outcome.Decisions)
        {
            if (decision.ReportOutcome)
            {
                await client.ReportAsync(decision.Policy, decision.Key, failed, measured, known).ConfigureAwait(false);
            }
        }
    }
}
