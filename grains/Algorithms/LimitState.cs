namespace GrainLimiter.Grains.Algorithms;

/// <summary>The mutable state of one limit of one grain. Its algorithm gives the fields their meaning.</summary>
/// <remarks>
/// One compact struct for every algorithm keeps a grain small (no object per limit) and lets the grain
/// persist any limit the same way. Timestamps are UTC ticks (<see cref="DateTimeOffset.UtcTicks"/>), so a
/// state written by one silo means the same on another. The default value is a fresh state.
/// </remarks>
public struct LimitState
{
    /// <summary>A point in time: window or period start, last refill, theoretical arrival time.</summary>
    public long Stamp;

    /// <summary>A quantity: hits in the window, tokens, used quota, or a sub-tick remainder.</summary>
    public long Count;

    /// <summary>A second quantity: previous window's hits, next lease id, log head.</summary>
    public long Previous;

    /// <summary>Variable-size state bounded by the limit: log timestamps, leases. Null when unused.</summary>
    public long[]? Entries;
}
