using System.Diagnostics;
using GrainLimiter.Decisions;

namespace GrainLimiter.Leases;

/// <summary>A lease at its holder: units it admits on its own, one atomic decrement per call, until it expires or is closed.</summary>
/// <remarks>
/// Thread-safe and lock-free. Expiry is on the holder's monotonic clock (<see cref="TimeProvider.GetTimestamp"/>), counted from when
/// the holder sent the call that was granted the lease, so the holder stops before the grain's own expiry however long the answer
/// took to come back. <see cref="Close"/> ends it once: no unit is taken after the unused ones were counted for return.
/// </remarks>
public sealed class HeldLease
{
    private const long Closed = -1;
    private readonly long _expiresAt;
    private long _left;

    /// <param name="id">The grant's lease id.</param>
    /// <param name="units">The units granted.</param>
    /// <param name="expiresAt">Monotonic timestamp after which no unit may be taken.</param>
    /// <param name="grant">The grain's answer that granted it: what local answers are made from.</param>
    /// <param name="grantedAt">Monotonic timestamp of the call that was granted it.</param>
    public HeldLease(long id, long units, long expiresAt, in GrainDecision grant, long grantedAt)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        Id = id;
        Units = units;
        _left = units;
        _expiresAt = expiresAt;
        Grant = grant;
        GrantedAt = grantedAt;
    }

    public long Id { get; }

    public long Units { get; }

    public GrainDecision Grant { get; }

    public long GrantedAt { get; }

    /// <summary>Units still to admit; zero once closed.</summary>
    public long Left => Math.Max(0, Volatile.Read(ref _left));

    public bool IsClosed => Volatile.Read(ref _left) == Closed;

    public bool HasExpired(long now) => now >= _expiresAt;

    /// <summary>Takes <paramref name="cost"/> units if the lease is open, unexpired and holds them.</summary>
    /// <returns>The units left after taking them, or -1 when not taken.</returns>
    public long TryTake(long cost, long now)
    {
        Debug.Assert(cost > 0);
        if (now >= _expiresAt)
        {
            return -1;
        }

        var left = Volatile.Read(ref _left);
        while (left >= cost)
        {
            var seen = Interlocked.CompareExchange(ref _left, left - cost, left);
            if (seen == left)
            {
                return left - cost;
            }

            left = seen;
        }

        return -1;
    }

    /// <summary>Puts back units taken for a check that another key denied (all or nothing).</summary>
    /// <returns>False when the lease was closed meanwhile: those units are the holder's to lose, never to admit.</returns>
    public bool PutBack(long cost)
    {
        var left = Volatile.Read(ref _left);
        while (left != Closed)
        {
            var seen = Interlocked.CompareExchange(ref _left, left + cost, left);
            if (seen == left)
            {
                return true;
            }

            left = seen;
        }

        return false;
    }

    /// <summary>Ends the lease: nothing more is taken from it.</summary>
    /// <returns>The unused units, to give back; zero for a lease already closed.</returns>
    public long Close()
    {
        var left = Interlocked.Exchange(ref _left, Closed);
        return left == Closed ? 0 : left;
    }
}
