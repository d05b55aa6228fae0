using GrainLimiter.Client.AspNetCore.RateLimiting;
using GrainLimiter.Client.AspNetCore.Responses;
using Microsoft.AspNetCore.Http;

namespace GrainLimiter.Client.AspNetCore.Middleware;

/// <summary>Checks each request against the cluster; answers 429 with headers and problem+json when denied, otherwise adds the
/// headers and passes it on.</summary>
internal sealed class GrainLimiterMiddleware(RequestDelegate next, GrainLimiterClient client, GrainLimiterMiddlewareOptions options)
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

        await next(context).ConfigureAwait(false);
    }
}
