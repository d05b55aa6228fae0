namespace GrainLimiter.Leases;

/// <summary>Counts asks per key in a fixed table of slots, so a key asked once in a while (most keys of a uniform load) costs a
/// holder no allocation: a <see cref="KeyHold"/> is made only for a key asked again within the same period.</summary>
/// <remarks>Lossy and racy by design: keys sharing a slot add up (a key may look hotter than it is, which only makes a hold early),
/// and racing callers may lose an increment (a hold a call later). Neither decides anything: holds never admit by themselves.</remarks>
internal sealed class AskFilter(long period)
{
    private const int Slots = 1 << 16;
    private readonly long[] _periods = new long[Slots];
    private readonly int[] _asks = new int[Slots];

    /// <summary>Counts one ask of the key hashed to <paramref name="hash"/>; true when it was asked before in this period.</summary>
    public bool AskedAgain(int hash, long now)
    {
        var slot = hash & (Slots - 1);
        var current = now / period;
        if (Volatile.Read(ref _periods[slot]) != current)
        {
            Volatile.Write(ref _periods[slot], current);
            Volatile.Write(ref _asks[slot], 1);
            return false;
        }

        return Interlocked.Increment(ref _asks[slot]) > 1;
    }
}
