namespace GrainLimiter.Membership;

/// <summary>Where a silo is in its life. <see cref="Dead"/> is final: a silo that comes back registers as a new incarnation.</summary>
public enum SiloStatus
{
    Joining = 0,
    Active = 1,
    ShuttingDown = 2,
    Dead = 3,
}
