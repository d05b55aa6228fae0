using System.Diagnostics;
using GrainLimiter.Leases;

namespace GrainLimiter.Grains.Leases;

/// <summary>What one key's grain knows of its holders: the lease each holds, how much each asked lately, and until when each may
/// answer a denial itself. Pure bookkeeping; the grain charges and credits the key (<see cref="KeyLeases{THolder}"/>).</summary>
/// <remarks>
/// Single-threaded (the grain's turn); time is UTC ticks. At most one lease per holder. A lease belongs to the window it was charged
/// in: it expires no later than that window's end, and its unused units are creditable only before that end (a return after a roll
/// would credit a window that never held the charge). Bounded by <c>maxHolders</c>; idle holders are forgotten.
/// </remarks>
public sealed class LeaseLedger<THolder>(int maxHolders, long periodTicks) where THolder : class
{
    private readonly List<Entry> _entries = [];
    private long _lastLeaseId;

    /// <summary>One holder: its reference, its lease (if any) and its recent asks.</summary>
    public sealed class Entry(string id, THolder holder)
    {
        public string Id { get; } = id;

        public THolder Holder { get; internal set; } = holder;

        /// <summary>The holder's lease; zero when it holds none the grain could still credit.</summary>
        public long LeaseId { get; internal set; }

        /// <summary>Units of the lease not yet settled (given back, revoked or stranded).</summary>
        public long Units { get; internal set; }

        public long ExpiresAt { get; internal set; }

        /// <summary>Until when a return is credited: the lease's window end (or, without a window, a while past its expiry).</summary>
        public long CreditableUntil { get; internal set; }

        /// <summary>Until when the holder may be answering a denial it cached (so an operator's change must tell it).</summary>
        public long DenialUntil { get; internal set; }

        /// <summary>Units of the last lease the holder used: its rate while it decided alone.</summary>
        public long LastUsed { get; internal set; }

        internal long PeriodStart;
        internal long UnitsNow;
        internal long UnitsBefore;
        internal long AsksNow;
        internal long AsksBefore;
        internal long LastSeen;

        /// <summary>Units asked of the grain in the current or the last period, or used of the last lease: the holder's recent rate.</summary>
        public long Demand => Math.Max(Math.Max(UnitsNow, UnitsBefore), LastUsed);

        public long Asks => Math.Max(AsksNow, AsksBefore);
    }

    public IReadOnlyList<Entry> Entries => _entries;

    /// <summary>Units of every lease still creditable: held by a holder, or stranded until its window ends.</summary>
    public long Outstanding(long now)
    {
        long units = 0;
        foreach (var entry in _entries)
        {
            units += now < entry.CreditableUntil ? entry.Units : 0;
        }

        return units;
    }

    /// <summary>Holders that asked within the last two periods: they share what the key has left.</summary>
    public int ActiveHolders(long now)
    {
        var active = 0;
        foreach (var entry in _entries)
        {
            active += now - entry.LastSeen < 2 * periodTicks ? 1 : 0;
        }

        return active;
    }

    /// <summary>Counts an ask of <paramref name="cost"/> by a holder; null when the ledger is full of other, active holders.</summary>
    /// <param name="stranded">Units of forgotten holders' leases that were never given back.</param>
    public Entry? Ask(string id, THolder holder, long now, long cost, out long stranded)
    {
        stranded = Forget(now);
        var entry = Find(id);
        if (entry is null)
        {
            if (_entries.Count >= maxHolders)
            {
                return null;
            }

            entry = new Entry(id, holder) { PeriodStart = now };
            _entries.Add(entry);
        }

        entry.Holder = holder;
        if (now - entry.PeriodStart >= 2 * periodTicks || now < entry.PeriodStart)
        {
            (entry.UnitsBefore, entry.AsksBefore, entry.UnitsNow, entry.AsksNow, entry.PeriodStart) = (0, 0, 0, 0, now);
        }
        else if (now - entry.PeriodStart >= periodTicks)
        {
            (entry.UnitsBefore, entry.AsksBefore, entry.UnitsNow, entry.AsksNow) = (entry.UnitsNow, entry.AsksNow, 0, 0);
            entry.PeriodStart += periodTicks;
        }

        entry.UnitsNow += cost;
        entry.AsksNow++;
        entry.LastSeen = now;
        return entry;
    }

    /// <summary>Records a lease of <paramref name="units"/> for a holder that holds none, expiring at <paramref name="expiresAt"/>.</summary>
    /// <param name="creditableUntil">Its window's end; for a key without windows, a while after the expiry.</param>
    public long Grant(Entry entry, long units, long expiresAt, long creditableUntil)
    {
        ArgumentNullException.ThrowIfNull(entry);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(units);
        Debug.Assert(entry.Units == 0 && expiresAt <= creditableUntil);
        entry.LeaseId = ++_lastLeaseId;
        entry.Units = units;
        entry.ExpiresAt = expiresAt;
        entry.CreditableUntil = creditableUntil;
        entry.LastUsed = 0;
        return entry.LeaseId;
    }

    /// <summary>Settles a holder's lease with the units it gave back.</summary>
    /// <returns>The units to credit to the key: none for a lease unknown, already settled or past its window.</returns>
    /// <param name="stranded">Units the lease held that are not credited (given back too late, or not at all).</param>
    public long Settle(string holderId, in LeaseReturn returned, long now, out long stranded)
    {
        stranded = 0;
        var entry = Find(holderId);
        if (entry is null || returned.LeaseId == 0 || entry.LeaseId != returned.LeaseId || entry.Units == 0)
        {
            return 0;
        }

        var given = Math.Clamp(returned.Units, 0, entry.Units);
        var credit = now < entry.CreditableUntil ? given : 0;
        stranded = given - credit;
        entry.LastUsed = entry.Units - given;
        entry.Units = 0;
        entry.LeaseId = 0;
        return credit;
    }

    /// <summary>Allows a holder to answer a denial itself until <paramref name="until"/>; an operator's change tells it otherwise.</summary>
    public static void CacheDenial(Entry entry, long until)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entry.DenialUntil = Math.Max(entry.DenialUntil, until);
    }

    /// <summary>The holders an operator's change must tell: those with a lease or a cached denial in force.</summary>
    public List<Entry> ToRevoke(long now)
    {
        var revoke = new List<Entry>();
        foreach (var entry in _entries)
        {
            if ((entry.Units > 0 && now < entry.ExpiresAt) || now < entry.DenialUntil)
            {
                revoke.Add(entry);
            }
        }

        return revoke;
    }

    /// <summary>A holder told of an operator's change: its denial is gone; its lease is settled by what it gave back.</summary>
    public static void Revoked(Entry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        entry.DenialUntil = 0;
    }

    /// <summary>Every lease settled as given back in full without credit (the key was reset, or its policy changed).</summary>
    /// <returns>The units no longer tracked.</returns>
    public long DropLeases()
    {
        long dropped = 0;
        foreach (var entry in _entries)
        {
            dropped += entry.Units;
            (entry.Units, entry.LeaseId, entry.LastUsed) = (0, 0, 0);
        }

        return dropped;
    }

    private Entry? Find(string id)
    {
        foreach (var entry in _entries)
        {
            if (entry.Id == id)
            {
                return entry;
            }
        }

        return null;
    }

    // Holders idle two periods with nothing creditable and no denial in force; their lease units past their window are stranded.
    private long Forget(long now)
    {
        long stranded = 0;
        for (var i = _entries.Count - 1; i >= 0; i--)
        {
            var entry = _entries[i];
            if (entry.Units > 0 && now >= entry.CreditableUntil)
            {
                stranded += entry.Units;
                (entry.Units, entry.LeaseId) = (0, 0);
            }

            if (entry.Units == 0 && now >= entry.DenialUntil && now - entry.LastSeen >= 2 * periodTicks)
            {
                _entries.RemoveAt(i);
            }
        }

        return stranded;
    }
}
