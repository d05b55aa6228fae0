using GrainLimiter.Decisions;
using GrainLimiter.Leases;

namespace GrainLimiter.Grains.Leases;

/// <summary>The leases of one key, charged to and credited back to its <see cref="KeyLimits"/>: what the grain runs in its turn.</summary>
/// <remarks>
/// Pure: no I/O, time comes in as UTC ticks. A lease's units are charged at grant, as one admitted request of that cost, so the key's
/// limits count them from then on; whatever the holder leaves unused comes back only while the window they were charged in lasts.
/// Hence, in every window: admitted (by the grain and by holders) + remaining + outstanding = what the limit allows, and admitted
/// never exceeds it.
/// </remarks>
public sealed class KeyLeases<THolder> where THolder : class
{
    private readonly LeaseOptions _options;
    private readonly long _ttl;
    private LeaseLedger<THolder> _ledger;
    // A new activation grants nothing until a lease an earlier one granted (and that this one cannot know of) has expired.
    private long _grantsFrom;

    public KeyLeases(LeaseOptions options, long activatedAt)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _ttl = options.Ttl.Ticks;
        _ledger = new LeaseLedger<THolder>(options.MaxHolders, _ttl);
        _grantsFrom = activatedAt + _ttl;
    }

    public LeaseLedger<THolder> Ledger => _ledger;

    /// <summary>Settles a lease a holder gives back, crediting the key with what is still creditable.</summary>
    public LeaseSettlement Return(KeyLimits limits, string holderId, in LeaseReturn returned, long now)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var credit = _ledger.Settle(holderId, returned, now, out var stranded);
        if (credit > 0)
        {
            limits.Refund(now, credit, 0);
        }

        return new LeaseSettlement(credit, stranded);
    }

    /// <summary>After the grain decided <paramref name="cost"/> for a holder (<paramref name="decision"/>, charged when allowed):
    /// grants it a lease when it asks often enough and the key has room, or lets it cache a denial that nothing can shorten.</summary>
    /// <param name="cacheable">The decision is the limits' own (not shadow mode, not a store failure).</param>
    public LeaseOffer Offer(KeyLimits limits, string holderId, THolder holder, long now, long cost, in LimitDecision decision, bool cacheable)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var entry = _ledger.Ask(holderId, holder, now, cost, out var stranded);
        if (entry is null || !limits.CanLease)
        {
            return new LeaseOffer(decision, null, TimeSpan.Zero, stranded);
        }

        // The holder asks without giving this lease back, a Ttl past its expiry: it no longer has it (dropped on a revocation it could
        // not answer in time, or a reload). What it did not use is lost to this window. Sooner, another of its calls may be bringing
        // it back (each of the holder's concurrent calls asks; the one that took the lease out gives it back, and may arrive second):
        // no new lease until then, but its units stay creditable.
        if (entry.Units > 0 && now >= entry.ExpiresAt + _ttl)
        {
            stranded += entry.Units;
            _ledger.Settle(holderId, new LeaseReturn(entry.LeaseId, 0), now, out _);
        }

        if (!decision.Allowed)
        {
            return new LeaseOffer(decision, null, CachedDenial(entry, now, decision, cacheable), stranded);
        }

        if (now < _grantsFrom || entry.Units > 0 || entry.Asks < _options.MinAsks)
        {
            return new LeaseOffer(decision, null, TimeSpan.Zero, stranded);
        }

        var units = LeaseSizing.Units(entry.Demand, decision.Remaining, _ledger.ActiveHolders(now), _options.MinUnits);
        var windowEnd = limits.LeaseWindowEnd(now);
        var ttl = Math.Min(_ttl, windowEnd - now);
        if (units == 0 || ttl <= 0)
        {
            return new LeaseOffer(decision, null, TimeSpan.Zero, stranded);
        }

        // Charged as one request of that cost: every limit or none, as the grain charges any call.
        var charged = limits.TryAcquire(now, units);
        if (!charged.Allowed)
        {
            return new LeaseOffer(decision, null, TimeSpan.Zero, stranded);
        }

        // Without a window (buckets) a late return may still be credited a while: a refund never gives more than was charged.
        var creditableUntil = windowEnd == long.MaxValue ? now + (3 * ttl) : windowEnd;
        var id = _ledger.Grant(entry, units, now + ttl, creditableUntil);
        var answer = decision with
        {
            Remaining = charged.Remaining,
            ResetAfter = charged.ResetAfter > decision.ResetAfter ? charged.ResetAfter : decision.ResetAfter,
            AlertReached = decision.AlertReached || charged.AlertReached,
        };
        return new LeaseOffer(answer, new LeaseGrant(id, units, TimeSpan.FromTicks(ttl)), TimeSpan.Zero, stranded);
    }

    /// <summary>The holders an operator's change must tell before it applies.</summary>
    public List<LeaseLedger<THolder>.Entry> ToRevoke(long now) => _ledger.ToRevoke(now);

    /// <summary>A told holder gave back <paramref name="returned"/>: credited unless <paramref name="credit"/> is false (a reset forgets
    /// every charge anyway).</summary>
    public LeaseSettlement Revoked(KeyLimits limits, LeaseLedger<THolder>.Entry entry, in LeaseReturn returned, long now, bool credit)
    {
        ArgumentNullException.ThrowIfNull(entry);
        LeaseLedger<THolder>.Revoked(entry);
        if (credit)
        {
            return Return(limits, entry.Id, returned, now);
        }

        _ledger.Settle(entry.Id, returned, now, out _);
        return default;
    }

    /// <summary>The policy changed or the key was reset: no lease is creditable any more, every holder starts again.</summary>
    /// <returns>The units of leases that were not given back.</returns>
    public long Forget()
    {
        var dropped = _ledger.DropLeases();
        _ledger = new LeaseLedger<THolder>(_options.MaxHolders, _ttl);
        return dropped;
    }

    private TimeSpan CachedDenial(LeaseLedger<THolder>.Entry entry, long now, in LimitDecision decision, bool cacheable)
    {
        // Exact only while no other lease is outstanding: one given back early would admit before the retry-after.
        if (!cacheable || decision.IsNeverAdmissible || decision.RetryAfter <= TimeSpan.Zero || _ledger.Outstanding(now) > 0)
        {
            return TimeSpan.Zero;
        }

        var cacheFor = decision.RetryAfter < _options.MaxCachedDenial ? decision.RetryAfter : _options.MaxCachedDenial;
        if (cacheFor > TimeSpan.Zero)
        {
            LeaseLedger<THolder>.CacheDenial(entry, now + cacheFor.Ticks);
        }

        return cacheFor;
    }
}
