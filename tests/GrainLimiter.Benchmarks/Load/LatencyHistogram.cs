using System.Diagnostics;

namespace GrainLimiter.Benchmarks.Load;

/// <summary>
/// Log-linear latency histogram (as HdrHistogram does it): 32 sub-buckets per power of two of nanoseconds, so a
/// percentile is within 1.6 % of the true value (exact below 64 ns). Recording is one array increment: no allocation, no lock
/// (one histogram per worker, merged at the end).
/// </summary>
internal sealed class LatencyHistogram
{
    private const int Linear = 64;
    private const int HalfSubBuckets = 32;

    private static readonly double NanosecondsPerTick = 1e9 / Stopwatch.Frequency;

    private readonly long[] _counts = new long[Linear + (58 * HalfSubBuckets)];

    public long Count { get; private set; }

    public void RecordTicks(long ticks) => Record((long)(ticks * NanosecondsPerTick));

    public void Record(long nanoseconds)
    {
        var value = (ulong)Math.Max(0, nanoseconds);
        _counts[Index(value)]++;
        Count++;
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
    }

    /// <summary>The latency below which <paramref name="fraction"/> of the recorded ones lie, in nanoseconds (bucket midpoint).</summary>
    public double Percentile(double fraction)
    {
        if (Count == 0)
        {
            return double.NaN;
        }

        var rank = (long)Math.Ceiling(fraction * Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= rank)
            {
                var (low, width) = Range(i);
                return low + (width / 2.0);
            }
        }

        return double.NaN;
    }

    private static int Index(ulong value)
    {
        if (value < Linear)
        {
            return (int)value;
        }

        // value in [2^m, 2^(m+1)): its top 6 bits (32..63) choose the sub-bucket of width 2^shift.
        var shift = 63 - System.Numerics.BitOperations.LeadingZeroCount(value) - 5;
        var top = (int)(value >> shift);
        return Linear + ((shift - 1) * HalfSubBuckets) + (top - HalfSubBuckets);
    }

    private static (double Low, double Width) Range(int index)
    {
        if (index < Linear)
        {
            return (index, 1);
        }

        var shift = ((index - Linear) / HalfSubBuckets) + 1;
        var top = ((index - Linear) % HalfSubBuckets) + HalfSubBuckets;
        var width = Math.Pow(2, shift);
        return (top * width, width);
    }
}
