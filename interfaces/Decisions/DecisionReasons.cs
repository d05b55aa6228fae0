namespace GrainLimiter.Decisions;

/// <summary>The <c>reason</c> values a decision can carry (docs/http-api.md).</summary>
public static class DecisionReasons
{
    /// <summary>Denied by a shadow-mode policy, admitted anyway.</summary>
    public const string ShadowMode = "shadow_mode";

    /// <summary>The key's state could not be read and its policy fails closed.</summary>
    public const string StoreUnavailable = "store_unavailable";

    /// <summary>The silo could not decide in time, or Orleans refused the call as overloaded, and the silo answers overloads by the
    /// policy's failure mode.</summary>
    public const string Overloaded = "overloaded";
}
