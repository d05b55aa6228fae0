namespace GrainLimiter.Policies;

/// <summary>Whether a policy's keys may lease units to the fronts (policy field <c>leases</c>).</summary>
public enum LeaseMode
{
    /// <summary>Hot keys lease units to the fronts that ask them often, where every limit of the policy supports it.</summary>
    Auto,

    /// <summary>Every call reaches the key's grain.</summary>
    Off,
}
