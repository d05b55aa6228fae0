namespace GrainLimiter.Samples.Gateway;

/// <summary>The cluster policy of a request's API key tier. A real gateway looks the key up; the sample reads a prefix.</summary>
internal static class ApiKeyTiers
{
    public const string Header = "X-Api-Key";

    /// <summary><c>ent_…</c> → api-enterprise, <c>paid_…</c> → api-paid, any other key → api-free; no key → not limited by tier.</summary>
    public static string? PolicyOf(HttpContext context) => context.Request.Headers[Header].ToString() switch
    {
        "" => null,
        var key when key.StartsWith("ent_", StringComparison.Ordinal) => "api-enterprise",
        var key when key.StartsWith("paid_", StringComparison.Ordinal) => "api-paid",
        _ => "api-free",
    };
}
