namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>Where grain states live in Redis; see <see cref="GrainKeyFormat"/> for the key scheme.</summary>
public sealed record RedisGrainStoreOptions
{
    /// <summary>First part of every key, so several applications can share one Redis.</summary>
    public string KeyPrefix { get; init; } = "gl";

    /// <summary>This cluster's region; each region has its own keys (and usually its own Redis).</summary>
    public string Region { get; init; } = "local";
}
