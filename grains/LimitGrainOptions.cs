namespace GrainLimiter.Grains;

/// <summary>How limit grains persist and how many may be active in one silo.</summary>
public sealed class LimitGrainOptions
{
    /// <summary>The grain storage provider limit grains use (memory or Redis, chosen by the silo).</summary>
    public const string StorageName = "limits";

    /// <summary>The storage of the admin grains (the override directory): like <see cref="StorageName"/>, but entries never expire.</summary>
    public const string AdminStorageName = "admin";

    /// <summary>The grain type name passed to the storage (part of the Redis key).</summary>
    public const string StateName = "limit";

    /// <summary>How often a changed state is written behind; also the most a crash can lose.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>False when the storage lives and dies with this silo's process (a single silo's in-memory store): a changed
    /// state then only needs writing when its grain deactivates, so no turn snapshots it and no flush writes it.</summary>
    public bool WritesBehind { get; set; } = true;

    /// <summary>False for in-memory storage: it dies with the silo (its grains are gone at shutdown), so shutdown writes nothing.</summary>
    public bool StorageOutlivesSilo { get; set; } = true;

    /// <summary>Above this many activations in a silo, a new activation answers its call, writes and deactivates at once.</summary>
    public int MaxActiveGrains { get; set; } = 1_000_000;

    /// <summary>How long a key answers a repeated request id with its first answer instead of charging again.</summary>
    public TimeSpan RequestIdWindow { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most request ids one key remembers; the oldest is forgotten first.</summary>
    public int MaxRequestIdsPerKey { get; set; } = 1024;
}
