using GrainLimiter.Client.AspNetCore.Keys;
using Microsoft.AspNetCore.Http;

namespace GrainLimiter.Client.AspNetCore.RateLimiting;

/// <summary>One limit a request is checked against: which cluster policy (possibly per request, e.g. by API key tier) and which key.</summary>
/// <param name="Policy">The cluster policy for this request; null skips the rule.</param>
/// <param name="Key">The key within the policy; null skips the rule.</param>
public sealed record LimitRule(Func<HttpContext, string?> Policy, RequestKeySelector Key)
{
    /// <summary>A rule with one fixed policy.</summary>
    public static LimitRule For(string policy, RequestKeySelector key)
    {
        ArgumentException.ThrowIfNullOrEmpty(policy);
        return new LimitRule(_ => policy, key);
    }
}
