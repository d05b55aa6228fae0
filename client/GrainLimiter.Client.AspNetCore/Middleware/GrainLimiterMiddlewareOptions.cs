using GrainLimiter.Client.AspNetCore.RateLimiting;

namespace GrainLimiter.Client.AspNetCore.Middleware;

/// <summary>What <c>UseGrainLimiter</c> checks on every request and what it writes.</summary>
public sealed class GrainLimiterMiddlewareOptions
{
    /// <summary>The limits every request is checked against, all at once: the request passes only if every one admits it.</summary>
    public List<LimitRule> Rules { get; } = [];

    /// <summary>Add <c>RateLimit-Policy</c> / <c>RateLimit</c> to admitted responses too (429s always carry them).</summary>
    public bool HeadersOnAdmitted { get; set; } = true;

    /// <summary>Add the legacy <c>X-RateLimit-Limit/Remaining/Reset</c> headers.</summary>
    public bool LegacyHeaders { get; set; } = true;

    /// <summary>After a request admitted by a decision that asks for it (an adaptive policy), report its outcome: failed when the
    /// response is 5xx or an exception escaped, the status, and the latency of the rest of the pipeline.</summary>
    public bool ReportOutcomes { get; set; } = true;
}
