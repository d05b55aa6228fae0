namespace GrainLimiter.Client.Throttling;

/// <summary>Who goes first when several callers of one process wait for the same throttled key.</summary>
public enum ThrottlePriority
{
    /// <summary>Served in arrival order, after every waiting premium caller.</summary>
    Standard = 0,
    /// <summary>Served before every waiting standard caller.</summary>
    Premium = 1,
}
