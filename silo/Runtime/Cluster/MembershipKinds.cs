namespace GrainLimiter.Silo.Runtime.Cluster;

/// <summary>The values of <c>GrainLimiter:Cluster:Membership</c>.</summary>
public static class MembershipKinds
{
    public const string None = "none";
    public const string Static = "static";
    public const string Dns = "dns";
    public const string Redis = "redis";
}
