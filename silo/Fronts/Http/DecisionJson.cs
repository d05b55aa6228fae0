using System.Text.Json;
using GrainLimiter.Decisions;

namespace GrainLimiter.Silo.Fronts.Http;

/// <summary>The JSON form of decisions, written straight to the response.</summary>
internal static class DecisionJson
{
    public const string CostExceedsCapacity = "cost_exceeds_capacity";

    public static void WriteResult(Utf8JsonWriter json, in CheckResult result)
    {
        var decision = result.Decision;
        json.WriteStartObject();
        json.WriteString("policy", result.Request.Policy);
        json.WriteString("key", result.Request.Key);
        json.WriteBoolean("allowed", decision.Allowed);
        json.WriteNumber("limit", decision.Limit);
        json.WriteNumber("remaining", decision.Remaining);
        json.WriteNumber("resetAfterMs", Milliseconds(decision.ResetAfter));
        if (decision.IsNeverAdmissible)
        {
            json.WriteNull("retryAfterMs");
        }
        else
        {
            json.WriteNumber("retryAfterMs", Milliseconds(decision.RetryAfter));
        }

        json.WriteString("limitName", result.LimitName);
        if (decision.Wait > TimeSpan.Zero)
        {
            json.WriteNumber("waitMs", Milliseconds(decision.Wait));
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

        var reason = result.Reason ?? (decision.IsNeverAdmissible ? CostExceedsCapacity : null);
        if (reason is not null)
        {
            json.WriteString("reason", reason);
        }

        json.WriteEndObject();
    }

    /// <summary>Whole milliseconds, rounded up so a caller that waits this long is never early.</summary>
    public static long Milliseconds(TimeSpan span) =>
        span == LimitDecision.Never ? long.MaxValue : (span.Ticks + TimeSpan.TicksPerMillisecond - 1) / TimeSpan.TicksPerMillisecond;
}
