using System.Diagnostics;
using GrainLimiter.Decisions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains.Algorithms;

/// <summary>At most <c>limit</c> units held at once by leases; a lease is released by its holder or expires after the lease TTL.</summary>
/// <remarks>
/// State: <see cref="LimitState.Entries"/> = ring buffer of held units, two longs each (lease id, expiry), oldest first;
/// a cost-N lease holds N consecutive units. <see cref="LimitState.Stamp"/> = index of the oldest unit,
/// <see cref="LimitState.Count"/> = units held, <see cref="LimitState.Previous"/> = the last lease id issued.
/// Every lease lives the same TTL and a clock stepping back is treated as the latest time seen (the newest
/// expiry minus the TTL), so units are in order of both id and expiry: expiry pops from the front, release finds its
/// lease by binary search, and the unit whose expiry frees enough room is found by position (exact retry-after).
/// The buffer is created on the first lease and grows by doubling up to the limit: at most two longs per unit of limit.
/// Lease ids are <c>max(last + 1, now in milliseconds)</c>: they keep growing across a state that expired and started fresh, so a
/// stale id never releases someone else's lease. Bound: at most <c>limit</c> units held at any time.
/// </remarks>
public sealed class Concurrency : LimitAlgorithm
{
    private const int InitialCapacity = 16;
    private readonly long _leaseTicks;

    public Concurrency(LimitSpec spec) : base(spec)
    {
        _leaseTicks = PositiveSpan(spec.LeaseTtl, "spec.LeaseTtl");
        ArgumentOutOfRangeException.ThrowIfGreaterThan(spec.Limit, Array.MaxLength / 2, "spec.Limit");
    }

    public override LimitDecision Check(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        var at = Expire(ref state, now);
        var remaining = Math.Max(0, Limit - state.Count);
        if (cost <= remaining)
        {
            var resetAfter = cost > 0 ? Until(at + _leaseTicks, now) : ResetAfter(in state, now);
            return new LimitDecision(true, Limit, remaining - cost, resetAfter, TimeSpan.Zero);
        }

        if (cost > Limit)
        {
            return NeverAdmissible(remaining, ResetAfter(in state, now));
        }

        // The oldest (held + cost - limit) units must expire; the last of them expires at its expiry.
        var expiry = ExpiryAt(in state, state.Count + cost - Limit - 1);
        return new LimitDecision(false, Limit, remaining, ResetAfter(in state, now), Until(expiry, now));
    }

    public override long Charge(ref LimitState state, long now, long cost)
    {
        Validate(now, cost);
        var at = Expire(ref state, now);
        if (cost == 0)
        {
            return 0;
        }

        Debug.Assert(state.Count + cost <= Limit, "a charge follows a check that admitted it");
        EnsureCapacity(ref state, state.Count + cost);
        var entries = state.Entries!;
        // Milliseconds, not ticks: ids stay below 2^53, exact in JSON clients that read numbers as doubles.
        var id = Math.Max(state.Previous + 1, at / TimeSpan.TicksPerMillisecond);
        var expiry = at + _leaseTicks;
        var units = entries.Length / 2;
        for (long i = 0, slot = Slot(in state, state.Count); i < cost; i++, slot = slot + 1 == units ? 0 : slot + 1)
        {
            entries[2 * slot] = id;
            entries[(2 * slot) + 1] = expiry;
        }

        state.Count += cost;
        state.Previous = id;
        Debug.Assert(state.Count <= Math.Min(Limit, units));
        return id;
    }

    public override void Refund(ref LimitState state, long now, long cost, long leaseId)
    {
        Validate(now, cost);
        Expire(ref state, now);
        if (state.Count == 0 || leaseId <= 0)
        {
            return;
        }

        // Units are in id order: find the lease's first unit, then how many it holds.
        var first = FirstUnitAtOrAfter(in state, leaseId);
        var last = first;
        while (last < state.Count && IdAt(in state, last) == leaseId)
        {
            last++;
        }

        if (last > first)
        {
            Remove(ref state, first, last - first);
        }
    }

    public override TimeSpan FreshAfter(in LimitState state, long now) => ResetAfter(in state, now);

    private TimeSpan ResetAfter(in LimitState state, long now) =>
        state.Count == 0 ? TimeSpan.Zero : Until(ExpiryAt(in state, state.Count - 1), now);

    /// <summary>Drops expired units; returns the time to act at: <paramref name="now"/>, or the latest time seen if later.</summary>
    private long Expire(ref LimitState state, long now)
    {
        if (state.Count == 0)
        {
            return now;
        }

        var at = Math.Max(now, ExpiryAt(in state, state.Count - 1) - _leaseTicks);
        var units = state.Entries!.Length / 2;
        while (state.Count > 0 && ExpiryAt(in state, 0) <= at)
        {
            state.Stamp = state.Stamp + 1 == units ? 0 : state.Stamp + 1;
            state.Count--;
        }

        Debug.Assert(state.Count >= 0 && state.Count <= units);
        return at;
    }

    private long FirstUnitAtOrAfter(in LimitState state, long leaseId)
    {
        long low = 0, high = state.Count;
        while (low < high)
        {
            var middle = low + ((high - low) / 2);
            if (IdAt(in state, middle) < leaseId)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }

    /// <summary>Removes <paramref name="count"/> units from <paramref name="position"/>, shifting whichever side is shorter.</summary>
    private static void Remove(ref LimitState state, long position, long count)
    {
        var entries = state.Entries!;
        var after = state.Count - position - count;
        if (position < after)
        {
            // Shift the units before the gap forward, from the gap backwards.
            for (var i = position - 1; i >= 0; i--)
            {
                Copy(entries, Slot(in state, i), Slot(in state, i + count));
            }

            state.Stamp = Slot(in state, count);
        }
        else
        {
            for (var i = position; i < position + after; i++)
            {
                Copy(entries, Slot(in state, i + count), Slot(in state, i));
            }
        }

        state.Count -= count;
        Debug.Assert(state.Count >= 0);
    }

    private static void Copy(long[] entries, long from, long to)
    {
        entries[2 * to] = entries[2 * from];
        entries[(2 * to) + 1] = entries[(2 * from) + 1];
    }

    private static long Slot(in LimitState state, long position) => (state.Stamp + position) % (state.Entries!.Length / 2);

    private static long IdAt(in LimitState state, long position) => state.Entries![2 * Slot(in state, position)];

    private static long ExpiryAt(in LimitState state, long position) => state.Entries![(2 * Slot(in state, position)) + 1];

    private void EnsureCapacity(ref LimitState state, long needed)
    {
        var entries = state.Entries;
        var units = (entries?.Length ?? 0) / 2;
        if (units >= needed)
        {
            return;
        }

        var capacity = Math.Min(Limit, Math.Max(needed, Math.Max(InitialCapacity, 2L * units)));
        var grown = new long[2 * capacity];
        for (long i = 0; i < state.Count; i++)
        {
            var slot = Slot(in state, i);
            grown[2 * i] = entries![2 * slot];
            grown[(2 * i) + 1] = entries[(2 * slot) + 1];
        }

        state.Entries = grown;
        state.Stamp = 0;
    }
}
