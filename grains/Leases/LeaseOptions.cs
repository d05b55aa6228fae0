namespace GrainLimiter.Grains.Leases;

/// <summary>How key grains lease units to the fronts (configuration section <c>GrainLimiter:Leases</c>, environment <c>GrainLimiter__Leases__*</c>).</summary>
public sealed class LeaseOptions
{
    /// <summary>How long a holder may use a lease; also the period over which a holder's asks are counted. Clamped to the end
    /// of the window the units were charged in. Bounds how long an unreachable holder keeps admitting after an operator's change.</summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>A holder is offered a lease once it asked a key this many times within one <see cref="Ttl"/>.</summary>
    public int MinAsks { get; set; } = 4;

    /// <summary>A smaller lease is not worth its return: below this many units the grain decides each call itself.</summary>
    public long MinUnits { get; set; } = 2;

    /// <summary>The most holders one key keeps track of; holders beyond them are decided call by call.</summary>
    public int MaxHolders { get; set; } = 64;

    /// <summary>The longest a holder answers a cached denial itself. Bounds how long a denial outlives an operator's change at a
    /// holder the grain cannot tell (unreachable, or the grain moved and forgot it).</summary>
    public TimeSpan MaxCachedDenial { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long an operator's change waits for each holder to give its lease back before going ahead without it.</summary>
    public TimeSpan RevokeTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The problems of these settings, each naming the setting to fix; empty when valid.</summary>
    public IEnumerable<string> Problems(string section = "GrainLimiter__Leases")
    {
        if (Ttl < TimeSpan.FromMilliseconds(1) || Ttl > TimeSpan.FromMinutes(1))
        {
            yield return $"{section}__Ttl is {Ttl}; it must be between 1 ms and 1 minute.";
        }

        if (MinAsks < 1)
        {
            yield return $"{section}__MinAsks is {MinAsks}; it must be at least 1.";
        }

        if (MinUnits < 1)
        {
            yield return $"{section}__MinUnits is {MinUnits}; it must be at least 1.";
        }

        if (MaxHolders is < 0 or > 10_000)
        {
            yield return $"{section}__MaxHolders is {MaxHolders}; it must be between 0 (no leases) and 10000.";
        }

        if (MaxCachedDenial < TimeSpan.Zero || MaxCachedDenial > TimeSpan.FromMinutes(1))
        {
            yield return $"{section}__MaxCachedDenial is {MaxCachedDenial}; it must be between 0 (no cached denials) and 1 minute.";
        }

        if (RevokeTimeout < TimeSpan.FromMilliseconds(1) || RevokeTimeout > TimeSpan.FromSeconds(30))
        {
            yield return $"{section}__RevokeTimeout is {RevokeTimeout}; it must be between 1 ms and 30 seconds.";
        }
    }
}
