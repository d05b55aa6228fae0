namespace GrainLimiter.Grains.QuotaBuckets;

/// <summary>Max-min fair division of a limit among demands: no one gets more than it asks while another gets less than
/// it asks, and those who get less than they ask get equal shares (within 1, the limit being whole).</summary>
/// <remarks>What is left once every demand is met is split evenly as headroom, so a stream whose demand grows between
/// reports has room to grow into. The shares always add up to the limit exactly (or to 0 with no demand at all).</remarks>
public static class FairShare
{
    public static long[] Allocate(long limit, IReadOnlyList<long> demands)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(limit);
        ArgumentNullException.ThrowIfNull(demands);
        var shares = new long[demands.Count];
        if (shares.Length == 0)
        {
            return shares;
        }

        // Water filling: the smallest demands first, each getting at most an even split of what is left.
        var order = Enumerable.Range(0, shares.Length).OrderBy(i => demands[i]).ThenBy(static i => i).ToArray();
        var left = limit;
        var unmet = false;
        for (var n = 0; n < order.Length; n++)
        {
            var i = order[n];
            var even = left / (order.Length - n);
            var demand = Math.Max(0, demands[i]);
            shares[i] = Math.Min(demand, even);
            unmet |= shares[i] < demand;
            left -= shares[i];
        }

        // Rounding down the even splits may leave a few units while demands are unmet: one more each, largest first.
        for (var n = order.Length - 1; unmet && left > 0 && n >= 0; n--)
        {
            var i = order[n];
            if (shares[i] < demands[i])
            {
                shares[i]++;
                left--;
            }
        }

        if (!unmet && left > 0)
        {
            // Every demand met: the rest is headroom, split evenly (the remainder to the smallest demands).
            for (var n = 0; n < order.Length; n++)
            {
                shares[order[n]] += (left / order.Length) + (n < left % order.Length ? 1 : 0);
            }
        }

        return shares;
    }
}
