namespace GrainLimiter.Policies;

/// <summary>What a policy answers when the cluster cannot decide (store or owner unreachable).</summary>
public enum FailureMode
{
    /// <summary>Admit from a provisional local grain and count it.</summary>
    Open,
    /// <summary>Deny with a reason.</summary>
    Closed,
}
