namespace GrainLimiter.Grains.Algorithms;

/// <summary>One global limit's hits in every region: per region and window the highest count heard (a G-counter).</summary>
/// <remarks>
/// Merging takes the max per (region, window), and each region keeps only its two newest windows (a sliding window
/// still weighs the previous one; older ones count for nothing). Both rules are order-free, so any interleaving,
/// repetition or delay of the same reports ends in the same counter. Pure: no I/O, no clock.
/// </remarks>
public sealed class RegionCounter
{
    /// <summary>Windows kept per region.</summary>
    public const int WindowsPerRegion = 2;

    private readonly List<WindowCount> _counts = new(WindowsPerRegion);

    /// <summary>Every (region, window, count) known, in no particular order; <see cref="WindowCount.Limit"/> is unused (0).</summary>
    public IReadOnlyList<WindowCount> Counts => _counts;

    /// <summary>Raises <paramref name="region"/>'s count of <paramref name="window"/> to at least <paramref name="count"/>.</summary>
    /// <returns>How much it rose: 0 for a repeated, lower or too old report.</returns>
    public long Merge(string region, long window, long count)
    {
        ArgumentNullException.ThrowIfNull(region);
        var newer = 0;
        var found = -1;
        for (var i = 0; i < _counts.Count; i++)
        {
            var known = _counts[i];
            if (!string.Equals(known.Region, region, StringComparison.Ordinal))
            {
                continue;
            }

            if (known.Window == window)
            {
                found = i;
            }
            else if (known.Window > window)
            {
                newer++;
            }
        }

        if (newer >= WindowsPerRegion || count <= 0)
        {
            return 0;
        }

        if (found >= 0)
        {
            var rose = count - _counts[found].Count;
            if (rose <= 0)
            {
                return 0;
            }

            _counts[found] = _counts[found] with { Count = count };
            return rose;
        }

        _counts.Add(new WindowCount(0, window, region, count));
        DropOldest(region);
        return count;
    }

    /// <summary>Adds <paramref name="cost"/> this region admitted in <paramref name="window"/>.</summary>
    public void Add(string region, long window, long cost) => Merge(region, window, Count(region, window) + cost);

    /// <summary><paramref name="region"/>'s known hits in <paramref name="window"/>.</summary>
    public long Count(string region, long window)
    {
        foreach (var known in _counts)
        {
            if (known.Window == window && string.Equals(known.Region, region, StringComparison.Ordinal))
            {
                return known.Count;
            }
        }

        return 0;
    }

    /// <summary>Every region's known hits in <paramref name="window"/>.</summary>
    public long Total(long window)
    {
        long total = 0;
        foreach (var known in _counts)
        {
            total += known.Window == window ? known.Count : 0;
        }

        return total;
    }

    /// <summary>Forgets every count (a reset).</summary>
    public void Clear() => _counts.Clear();

    private void DropOldest(string region)
    {
        var kept = 0;
        var oldest = -1;
        for (var i = 0; i < _counts.Count; i++)
        {
            if (string.Equals(_counts[i].Region, region, StringComparison.Ordinal))
            {
                kept++;
                oldest = oldest < 0 || _counts[i].Window < _counts[oldest].Window ? i : oldest;
            }
        }

        if (kept > WindowsPerRegion)
        {
            _counts.RemoveAt(oldest);
        }
    }
}
