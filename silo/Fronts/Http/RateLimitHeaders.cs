using System.Globalization;
using System.Text;
using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Silo.Runtime;

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
            var decision = result.Decision;
            if (tightest is null || Tighter(decision, tightest.Value.Decision))
            {
                tightest = result;
            }

            var name = result.LimitName ?? result.Request.Policy;
            if (!seen.Add(name) || !policies.TryGet(result.Request.Policy, out var policy))
            {
                continue;
            }

            Append(policyHeader, $"\"{name}\";q={decision.Limit}{Window(policy, decision.LimitIndex)}");
            Append(stateHeader, $"\"{name}\";r={decision.Remaining};t={Seconds(decision.ResetAfter)}");
        }

        var headers = response.Headers;
        headers["RateLimit-Policy"] = policyHeader.ToString();
        headers["RateLimit"] = stateHeader.ToString();
        if (tightest is { Decision: var tight })
        {
            headers["X-RateLimit-Limit"] = tight.Limit.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Remaining"] = tight.Remaining.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Reset"] = Seconds(tight.ResetAfter).ToString(CultureInfo.InvariantCulture);
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
                headers.RetryAfter = Seconds(retryAfter).ToString(CultureInfo.InvariantCulture);
            }
        }
    }

    /// <summary>Whole seconds, rounded up: a client that waits this long is never early.</summary>
    public static long Seconds(TimeSpan span) => (span.Ticks + TimeSpan.TicksPerSecond - 1) / TimeSpan.TicksPerSecond;

    private static bool Tighter(in LimitDecision candidate, in LimitDecision current) =>
        candidate.Allowed != current.Allowed ? !candidate.Allowed : candidate.Remaining < current.Remaining;

    // The draft's w: the window in seconds; a concurrency limit has none.
    private static string Window(CompiledPolicy policy, int limitIndex)
    {
        var window = LimitWindow.Of(policy, limitIndex);
        return window == TimeSpan.Zero ? "" : $";w={Seconds(window)}";
    }

    private static void Append(StringBuilder header, string item) => header.Append(header.Length == 0 ? "" : ", ").Append(item);
}
