using GrainLimiter.Client.AspNetCore.Outcomes;
using GrainLimiter.Client.AspNetCore.RateLimiting;
using GrainLimiter.Client.AspNetCore.Responses;
using Microsoft.AspNetCore.Http;

namespace GrainLimiter.Client.AspNetCore.Middleware;

/// <summary>Checks each request against the cluster; answers 429 with headers and problem+json when denied, otherwise adds the
/// headers and passes it on. When a decision asks for it (an adaptive policy), reports how the request fared once it is done.</summary>
internal sealed class GrainLimiterMiddleware(RequestDelegate next, GrainLimiterClient client, GrainLimiterMiddlewareOptions options, TimeProvider time)
{
    public async Task InvokeAsync(HttpContext context)
    {
        var outcome = await RequestChecks.DecideAsync(client, options.Rules, context, cost: 1, context.RequestAborted).ConfigureAwait(false);
        if (!outcome.Allowed)
        {
            await RateLimitResponse.WriteRejectionAsync(context, outcome, options.LegacyHeaders, context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (options.HeadersOnAdmitted && outcome.Decisions.Length > 0)
        {
            RateLimitResponse.WriteHeaders(context.Response, outcome, options.LegacyHeaders);
        }

        if (!options.ReportOutcomes || !AdmittedRequestOutcome.IsAsked(outcome))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        var started = time.GetTimestamp();
        var escaped = true;
        try
        {
            await next(context).ConfigureAwait(false);
            escaped = false;
        }
        finally
        {
            // A request its caller abandoned says nothing of how it would have fared.
            if (!(escaped && context.RequestAborted.IsCancellationRequested))
            {
                // An exception before the response started becomes the host's 500.
                var status = escaped && !context.Response.HasStarted ? StatusCodes.Status500InternalServerError : context.Response.StatusCode;
                await AdmittedRequestOutcome.ReportAsync(client, outcome, status, escaped, time.GetElapsedTime(started)).ConfigureAwait(false);
            }
        }
    }
}
