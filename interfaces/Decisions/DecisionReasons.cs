namespace GrainLimiter.Decisions;

/// <summary>The <c>reason</c> values a decision can carry (docs/http-api.md), all of them: a decision without one is the
/// plain answer of the key's grain.</summary>
public static class DecisionReasons
{
    /// <summary>Denied by a shadow-mode policy, admitted anyway.</summary>
    public const string ShadowMode = "shadow_mode";

    /// <summary>The key's state could not be read and its policy fails closed.</summary>
    public const string StoreUnavailable = "store_unavailable";

    /// <summary>The silo could not decide in time, or Orleans refused the call as overloaded, and the silo answers overloads by the
    /// policy's failure mode.</summary>
    public const string Overloaded = "overloaded";

    /// <summary>The silo hosting the key's grain did not answer (it died, hangs or the call timed out): the policy's failure mode.</summary>
    public const string OwnerUnreachable = "owner_unreachable";

    /// <summary>Denied because the cost exceeds what the limit can ever admit (<see cref="LimitDecision.IsNeverAdmissible"/>).</summary>
    public const string CostExceedsCapacity = "cost_exceeds_capacity";

    /// <summary>The client reached no silo and answered by its own failure mode.</summary>
    public const string ClusterUnavailable = "cluster_unavailable";

    /// <summary>The reason stated to the caller: the decision's own, else <see cref="CostExceedsCapacity"/> for a cost never admitted.</summary>
    public static string? Stated(string? reason, in LimitDecision decision) =>
        reason ?? (decision.IsNeverAdmissible ? CostExceedsCapacity : null);
}
