using System.Text.Json;
using GrainLimiter.Decisions;

namespace GrainLimiter.Silo.Fronts.Http;

/// <summary>The JSON form of decisions, written straight to the response.</summary>
internal static class DecisionJson
{
    public static void WriteResult(Utf8JsonWriter json, in CheckResult result)
    {
        var decision = result.Decision;
        json.WriteStartObject();
        json.WriteString("policy", result.Request.Policy);
        json.WriteString("key", result.Request.Key);
        json.WriteBoolean("allowed", decision.Allowed);
        json.WriteNumber("limit", decision.Limit);
        json.WriteNumber("remaining", decision.Remaining);
        json.WriteNumber("resetAfterMs", DecisionTimes.Milliseconds(decision.ResetAfter));
        if (decision.IsNeverAdmissible)
        {
            json.WriteNull("retryAfterMs");
        }
        else
        {
            json.WriteNumber("retryAfterMs", DecisionTimes.Milliseconds(decision.RetryAfter));
        }

        json.WriteString("limitName", result.LimitName);
        if (decision.Wait > TimeSpan.Zero)
        {
            json.WriteNumber("waitMs", DecisionTimes.Milliseconds(decision.Wait));
        }

        if (decision.LeaseId != 0)
        {
            json.WriteNumber("leaseId", decision.LeaseId);
        }

        if (decision.AlertReached)
        {
            json.WriteBoolean("alert", true);
        }

        if (result.ReportOutcome)
        {
            json.WriteBoolean("reportOutcome", true);
        }

        var reason = DecisionReasons.Stated(result.Reason, decision);
        if (reason is not null)
        {
            json.WriteString("reason", reason);
        }

        json.WriteEndObject();
    }
}
