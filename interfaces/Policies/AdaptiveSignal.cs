namespace GrainLimiter.Policies;

/// <summary>Which reported outcomes an adaptive limit follows.</summary>
public enum AdaptiveSignal
{
    /// <summary>The share of requests that succeeded.</summary>
    SuccessRate,

    /// <summary>How the mean latency compares with the target: <c>min(1, target / latency)</c>.</summary>
    Latency,

    /// <summary>Both, multiplied.</summary>
    Both,
}
