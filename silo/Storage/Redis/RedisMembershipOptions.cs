using GrainLimiter.Membership;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>Where the membership table lives: one hash, <c>{prefix}:{clusterId}:membership</c>.</summary>
public sealed record RedisMembershipOptions
{
    public string KeyPrefix { get; init; } = "gl";

    /// <summary>Silos with the same cluster id see each other.</summary>
    public string ClusterId { get; init; } = "default";

    public MembershipTableOptions Table { get; init; } = new();
}
