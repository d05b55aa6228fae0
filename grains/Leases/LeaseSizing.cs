namespace GrainLimiter.Grains.Leases;

/// <summary>How many units a lease carries: the holder's recent rate, shrinking with what the key has left, none near the limit.</summary>
public static class LeaseSizing
{
    /// <param name="demand">Units the holder asked or used in its last period (about one lease's life).</param>
    /// <param name="remaining">What the key can still admit after the call that asks.</param>
    /// <param name="holders">Holders asking the key lately, this one included.</param>
    /// <param name="minUnits">Below this a lease is not worth its return: zero instead.</param>
    /// <returns>Twice the demand (so a lease lasts until the holder's rate is known again, and grows while it is used up), at most
    /// half of an even share of what remains: the last units near the limit are always decided by the grain itself.</returns>
    public static long Units(long demand, long remaining, int holders, long minUnits)
    {
        if (demand <= 0 || remaining <= 0)
        {
            return 0;
        }

        var share = remaining / (2L * Math.Max(1, holders));
        var units = Math.Min(share, demand > long.MaxValue / 2 ? long.MaxValue : 2 * demand);
        return units >= minUnits ? units : 0;
    }
}
