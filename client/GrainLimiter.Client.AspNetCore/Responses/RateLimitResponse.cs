using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Threading.RateLimiting;
using GrainLimiter.Client.AspNetCore.RateLimiting;
using GrainLimiter.Client.Decisions;
using GrainLimiter.Decisions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;

namespace GrainLimiter.Client.AspNetCore.Responses;

/// <summary>The standard answers of a limited API: <c>RateLimit-Policy</c> / <c>RateLimit</c> (IETF httpapi ratelimit-headers
/// draft, one item per deciding limit), legacy <c>X-RateLimit-Limit/Remaining/Reset</c> of the most restrictive decision,
/// <c>Retry-After</c> and a problem+json body on 429. Seconds are rounded up, so a client that waits them is never early.</summary>
public static class RateLimitResponse
{
    /// <summary>The media type of the 429 body (RFC 9457).</summary>
    public const string ProblemContentType = "application/problem+json";

    /// <summary>The problem type of a 429 (RFC 6585 defines the status).</summary>
    public const string ProblemType = "https://www.rfc-editor.org/rfc/rfc6585#section-4";

    /// <summary>Adds the rate-limit headers of <paramref name="outcome"/> (and Retry-After when denied). Answers from the
    /// failure mode carry no limit, so they add only Retry-After.</summary>
    public static void WriteHeaders(HttpResponse response, in ClusterCheckOutcome outcome, bool legacyHeaders = true)
    {
        var policyHeader = new StringBuilder();
        var stateHeader = new StringBuilder();
        ClusterDecision? tightest = null;
        foreach (var decision in outcome.Decisions)
        {
            if (decision.IsFallback)
            {
                continue;
            }

            if (tightest is null || Tighter(decision, tightest.Value))
            {
                tightest = decision;
            }

            var name = decision.LimitName.Length > 0 ? decision.LimitName : decision.Policy;
            var window = decision.Window > TimeSpan.Zero ? ";w=" + Seconds(decision.Window).ToString(CultureInfo.InvariantCulture) : "";
            Append(policyHeader, string.Create(CultureInfo.InvariantCulture, $"\"{name}\";q={decision.Limit}{window}"));
            Append(stateHeader, string.Create(CultureInfo.InvariantCulture, $"\"{name}\";r={decision.Remaining};t={Seconds(decision.ResetAfter)}"));
        }

        var headers = response.Headers;
        if (policyHeader.Length > 0)
        {
            headers["RateLimit-Policy"] = policyHeader.ToString();
            headers["RateLimit"] = stateHeader.ToString();
        }

        if (legacyHeaders && tightest is { } tight)
        {
            headers["X-RateLimit-Limit"] = tight.Limit.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Remaining"] = tight.Remaining.ToString(CultureInfo.InvariantCulture);
            headers["X-RateLimit-Reset"] = Seconds(tight.ResetAfter).ToString(CultureInfo.InvariantCulture);
        }

        if (!outcome.Allowed && RetryAfter(outcome) is { } retryAfter)
        {
            headers.RetryAfter = Seconds(retryAfter).ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Answers 429 with the headers and a problem+json body saying which limit and when to retry.</summary>
    public static async ValueTask WriteRejectionAsync(HttpContext context, ClusterCheckOutcome outcome, bool legacyHeaders = true,
        CancellationToken cancellationToken = default)
    {
        var response = context.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        WriteHeaders(response, outcome, legacyHeaders);
        response.ContentType = ProblemContentType;
        await response.Body.WriteAsync(ProblemBody(outcome, context.Request.Path), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>For <c>RateLimiterOptions.OnRejected</c>: writes the GrainLimiter 429 from the lease's decision
    /// (leases of other limiters get Retry-After from their metadata and the same body shape).</summary>
    public static ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        if (context.Lease.TryGetMetadata(GrainLimiterMetadata.Outcome, out var outcome) && outcome.Decisions.Length > 0)
        {
            return WriteRejectionAsync(context.HttpContext, outcome, cancellationToken: cancellationToken);
        }

        var response = context.HttpContext.Response;
        response.StatusCode = StatusCodes.Status429TooManyRequests;
        if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
        {
            response.Headers.RetryAfter = Seconds(retryAfter).ToString(CultureInfo.InvariantCulture);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>The longest retry-after among the denials; null when none can ever pass (cost above capacity).</summary>
    public static TimeSpan? RetryAfter(in ClusterCheckOutcome outcome)
    {
        TimeSpan? longest = null;
        foreach (var decision in outcome.Decisions)
        {
            if (!decision.Allowed && decision.RetryAfter is { } retry && (longest is null || retry > longest))
            {
                longest = retry;
            }
        }

        return longest;
    }

    /// <summary>One sentence saying what denied the request (the lease's reason phrase and the problem's detail).</summary>
    public static string Detail(in ClusterCheckOutcome outcome)
    {
        var denied = outcome.Decisions.FirstOrDefault(static d => !d.Allowed);
        if (denied.Policy is null)
        {
            return "Rate limit exceeded.";
        }

        if (denied.IsFallback)
        {
            return $"The rate limiter is unavailable and policy '{denied.Policy}' fails closed; retry after {Seconds(denied.RetryAfter ?? TimeSpan.Zero)} s.";
        }

        return denied.RetryAfter is { } retry
            ? $"Limit '{denied.LimitName}' of policy '{denied.Policy}' is exhausted for this client; retry after {Seconds(retry)} s."
            : $"The request costs more than limit '{denied.LimitName}' of policy '{denied.Policy}' can ever admit.";
    }

    /// <summary>Whole seconds, rounded up.</summary>
    public static long Seconds(TimeSpan span) => DecisionTimes.Seconds(span);

    // The body is JSON served as JSON, never embedded in HTML: quotes in policy names need not become \u0027.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static byte[] ProblemBody(in ClusterCheckOutcome outcome, PathString instance)
    {
        var denied = outcome.Decisions.FirstOrDefault(static d => !d.Allowed);
        using var buffer = new MemoryStream(256);
        using (var json = new Utf8JsonWriter(buffer, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("type", ProblemType);
            json.WriteString("title", "Too Many Requests");
            json.WriteNumber("status", StatusCodes.Status429TooManyRequests);
            json.WriteString("detail", Detail(outcome));
            json.WriteString("instance", instance.Value);
            if (denied.Policy is not null)
            {
                json.WriteString("policy", denied.Policy);
                json.WriteString("limit", denied.LimitName);
                if (denied.RetryAfter is { } retry)
                {
                    json.WriteNumber("retryAfter", Seconds(retry));
                }

                if (denied.Reason is { } reason)
                {
                    json.WriteString("reason", reason);
                }
            }

            json.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private static bool Tighter(in ClusterDecision candidate, in ClusterDecision current) =>
        candidate.Allowed != current.Allowed ? !candidate.Allowed : candidate.Remaining < current.Remaining;

    private static void Append(StringBuilder header, string item) => header.Append(header.Length == 0 ? "" : ", ").Append(item);
}
