using System.Globalization;
using System.Text;
using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Policies;

namespace GrainLimiter.Silo.Fronts.Http;

/// <summary>
/// The standard answers: <c>RateLimit-Policy</c> / <c>RateLimit</c> (IETF httpapi ratelimit-headers draft), the legacy
/// <c>X-RateLimit-Limit/Remaining/Reset</c> of the most restrictive result, and <c>Retry-After</c> on 429.
/// </summary>
internal static class RateLimitHeaders
{
    public static void Write(HttpResponse response, PolicyRegistry policies, CheckOutcome outcome)
    {
        var policyHeader = new StringBuilder();
        var stateHeader = new StringBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        CheckResult? tightest = null;
        foreach (var result in outcome.Results)
        {
            if (tightest is null || Tighter(result.Decision, tightest.Value.Decision))
            {
                tightest = result;
            }

            if (!policies.TryGet(result.Request.Policy, out var policy))
            {
                continue;
            }

            // Every limit of a policy of several; the deciding one otherwise (or when the grain could not be asked).
            if (result.Limits is { } limits)
            {
                foreach (var limit in limits)
                {
                    Append(policyHeader, stateHeader, seen, policy, policy.LimitNames[limit.LimitIndex], limit);
                }
            }
            else
            {
                Append(policyHeader, stateHeader, seen, policy, result.LimitName ?? result.Request.Policy, result.Decision);
            }
        }

        var headers = response.Headers;
        headers["RateLimit-Policy"] = policyHeader.ToString();
        headers["RateLimit"] = stateHeader.ToString();
        if (tightest is { Decision: var tight })
        {
            headers["X-RateLimit-Limit"] = tight.Limit.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Remaining"] = tight.Remaining.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Reset"] = DecisionTimes.Seconds(tight.ResetAfter).ToString(CultureInfo.InvariantCulture);
        }

        if (!outcome.Allowed)
        {
            var retryAfter = outcome.Results
                .Where(r => !r.Decision.Allowed && !r.Decision.IsNeverAdmissible)
                .Select(r => r.Decision.RetryAfter)
                .DefaultIfEmpty(TimeSpan.Zero)
                .Max();
            if (retryAfter > TimeSpan.Zero)
            {
                headers.RetryAfter = DecisionTimes.Seconds(retryAfter).ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    private static bool Tighter(in LimitDecision candidate, in LimitDecision current) =>
        candidate.Allowed != current.Allowed ? !candidate.Allowed : candidate.Remaining < current.Remaining;

    private static void Append(StringBuilder policyHeader, StringBuilder stateHeader, HashSet<string> seen, CompiledPolicy policy, string name,
        in LimitDecision decision)
    {
        if (!seen.Add(name))
        {
            return;
        }

        var (quota, window) = HeaderQuota.Of(policy, decision.LimitIndex, decision.Limit);
        RateLimitHeaderItems.AppendPolicy(policyHeader, name, quota, DecisionTimes.Seconds(window));
        RateLimitHeaderItems.AppendState(stateHeader, name, decision.Remaining, DecisionTimes.Seconds(decision.ResetAfter));
    }
}
