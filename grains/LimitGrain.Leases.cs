using GrainLimiter.Grains.Leases;
using GrainLimiter.Leases;

namespace GrainLimiter.Grains;

/// <summary>Leases: a hot key charges units to a holder (a silo's front) that then decides on its own; operators' changes take them back.</summary>
/// <remarks>The leases live in this activation only. A new activation grants none until any an earlier one granted have expired, and
/// credits nothing given back from them (their units stay charged: under-admission, never over).</remarks>
public sealed partial class LimitGrain
{
    // Made at the first holder's ask: a key no holder finds hot pays nothing for leases.
    private KeyLeases<ILeaseHolder>? _leases;
    private long _activatedAt;

    public ValueTask<LeasedDecision> AcquireLeasedAsync(long cost, LeaseAsk ask)
    {
        ArgumentNullException.ThrowIfNull(ask);
        FollowPolicy();
        if (_unavailable)
        {
            return ValueTask.FromResult(new LeasedDecision(Unavailable(shadow: true).Result));
        }

        var now = Now;
        var leases = _leases ??= new KeyLeases<ILeaseHolder>(services.Leases, _activatedAt);
        Count(leases.Return(_limits, ask.HolderId, ask.Returned, now));
        var (decision, reason, charged) = Decide(now, cost);
        if (_transient || reason is not null)
        {
            return ValueTask.FromResult(new LeasedDecision(Answer(decision, reason, charged).Result));
        }

        var offer = leases.Offer(_limits, ask.HolderId, ask.Holder, now, cost, decision, cacheable: true);
        services.Counters.Settled(0, offer.Stranded);
        if (offer.Lease is { } lease)
        {
            services.Counters.Leased(lease.Units);
        }

        return ValueTask.FromResult(new LeasedDecision(Answer(offer.Decision, reason, charged).Result, offer.Lease, offer.CacheDenialFor));
    }

    public ValueTask<long> ReturnLeaseAsync(string holderId, LeaseReturn returned)
    {
        ArgumentNullException.ThrowIfNull(holderId);
        FollowPolicy();
        if (_unavailable || _leases is null)
        {
            // Not granted by this activation: its units stay charged until their window ends.
            services.Counters.Settled(0, returned.Units);
            return ValueTask.FromResult(0L);
        }

        var settled = _leases.Return(_limits, holderId, returned, Now);
        Count(settled);
        AfterTurn();
        return ValueTask.FromResult(settled.Credited);
    }

    // Operators win at once: every holder with a lease or a cached denial is told before the change applies; one that cannot be
    // reached within the timeout keeps its lease until it expires (Ttl) and its denial at most MaxCachedDenial.
    private async Task RevokeLeasesAsync(bool credit)
    {
        if (_leases is not { } leases || leases.ToRevoke(Now) is not { Count: > 0 } holders)
        {
            return;
        }

        var asked = new Task<LeaseReturn>[holders.Count];
        for (var i = 0; i < holders.Count; i++)
        {
            asked[i] = holders[i].Holder.RevokeAsync(Policy.Name, _limits.Key).WaitAsync(services.Leases.RevokeTimeout, services.Time);
        }

        for (var i = 0; i < holders.Count; i++)
        {
            try
            {
                var returned = await asked[i].ConfigureAwait(true);
                Count(leases.Revoked(_limits, holders[i], returned, Now, credit));
            }
            catch (Exception e)
            {
                Log.RevokeFailed(services.Logger, Policy.Name, e);
            }
        }
    }

    // Not awaited: the reload applies now, each holder drops what it holds when told (what it gives back is not credited).
    private void TellHoldersOfReload()
    {
        if (_leases?.ToRevoke(Now) is { Count: > 0 } holders)
        {
            foreach (var entry in holders)
            {
                entry.Holder.RevokeAsync(Policy.Name, _limits.Key).Ignore();
            }
        }
    }

    // The policy changed or the state was read again: no lease of the old state is creditable any more.
    private void ForgetLeases()
    {
        if (_leases is not null)
        {
            services.Counters.Settled(0, _leases.Forget());
            _leases = null;
        }
    }

    private void Count(in LeaseSettlement settled) => services.Counters.Settled(settled.Credited, settled.Stranded);
}
