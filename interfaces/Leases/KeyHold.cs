namespace GrainLimiter.Leases;

/// <summary>What a holder keeps of one key: its lease, its cached denial and how often the key is asked here.</summary>
/// <remarks>Thread-safe: deciding reads the fields without a lock (the lease itself is lock-free, <see cref="HeldLease"/>); taking a
/// lease or a denial in and a revocation take a lock, so an answer the grain gave before it revoked is never taken in after. Made
/// under one version of the key's policy (<see cref="LeaseHolder"/>): a reload makes a new hold, so nothing leased or denied under the
/// old policy is used after it.</remarks>
internal sealed class KeyHold(object version, long now)
{
    private readonly Lock _revoking = new();
    // Monotonic timestamp of the last revocation: an answer to a call sent before it is stale.
    private long _revokedAt = long.MinValue;
    private HeldLease? _lease;
    private CachedDenial? _denial;
    private long _periodStart = now;
    private int _asks;
    private int _asksBefore;
    private long _lastSeen = now;

    public object Version { get; } = version;

    public HeldLease? Lease => Volatile.Read(ref _lease);

    public CachedDenial? Denial => Volatile.Read(ref _denial);

    public long LastSeen => Volatile.Read(ref _lastSeen);

    /// <summary>Counts a call that reached the grain; true once the key is asked often enough here to be worth a lease.</summary>
    public bool Asked(long now, long period, int minAsks)
    {
        Volatile.Write(ref _lastSeen, now);
        var start = Volatile.Read(ref _periodStart);
        // Racing callers may miscount a period by a few asks: it only decides whether to ask for a lease.
        if (now - start >= period && Interlocked.CompareExchange(ref _periodStart, now, start) == start)
        {
            Volatile.Write(ref _asksBefore, now - start >= 2 * period ? 0 : Volatile.Read(ref _asks));
            Volatile.Write(ref _asks, 0);
        }

        var asks = Interlocked.Increment(ref _asks);
        return Math.Max(asks, Volatile.Read(ref _asksBefore)) >= minAsks;
    }

    public void Seen(long now) => Volatile.Write(ref _lastSeen, now);

    /// <summary>Takes the lease out if it is still <paramref name="expected"/>: only one caller gives back a lease.</summary>
    public bool TryTakeOut(HeldLease expected) => Interlocked.CompareExchange(ref _lease, null, expected) == expected;

    /// <summary>Holds <paramref name="lease"/>, granted to a call sent at <paramref name="sentAt"/>, unless the grain revoked this key
    /// since (its revocation may arrive before the grant's answer); one it replaces was already settled by the grain.</summary>
    /// <returns>False when the lease came too late: its units are the holder's to lose, never to admit.</returns>
    public bool Hold(HeldLease lease, long sentAt)
    {
        lock (_revoking)
        {
            if (_revokedAt >= sentAt)
            {
                lease.Close();
                return false;
            }

            Interlocked.Exchange(ref _lease, lease)?.Close();
            return true;
        }
    }

    /// <summary>Answers costs of <see cref="CachedDenial.Cost"/> or more with <paramref name="denial"/>, unless revoked since it was asked.</summary>
    public void Deny(CachedDenial denial, long sentAt)
    {
        lock (_revoking)
        {
            if (_revokedAt < sentAt)
            {
                Volatile.Write(ref _denial, denial);
            }
        }
    }

    public void ForgetDenial(CachedDenial expected) => Interlocked.CompareExchange(ref _denial, null, expected);

    /// <summary>The grain takes back the lease and the denial: nothing answered to a call sent before now is taken in after.</summary>
    /// <returns>The lease taken out (closed by the caller), if any.</returns>
    public HeldLease? Revoke(long now)
    {
        lock (_revoking)
        {
            _revokedAt = now;
            Volatile.Write(ref _denial, null);
            return Interlocked.Exchange(ref _lease, null);
        }
    }
}
