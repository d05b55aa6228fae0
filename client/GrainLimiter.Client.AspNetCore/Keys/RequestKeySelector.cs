using Microsoft.AspNetCore.Http;

namespace GrainLimiter.Client.AspNetCore.Keys;

/// <summary>The cluster key a request is limited under (e.g. <c>ip:203.0.113.7</c>), or null when the rule does not apply to it.</summary>
public delegate string? RequestKeySelector(HttpContext context);
