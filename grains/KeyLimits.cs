using System.Diagnostics;
using GrainLimiter.Decisions;
using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains;

/// <summary>The state machine of one (policy, key): applies every limit of the policy, all or none.</summary>
/// <remarks>
/// Not thread-safe: the Orleans grain (<see cref="LimitGrain"/>) runs each operation in one single-threaded turn.
/// Pure: no I/O, time comes in as UTC ticks.
/// </remarks>
public sealed class KeyLimits
{
    // The first limit's state is inline so the common one-limit policy costs no extra object.
    private LimitState _first;
    private LimitState[]? _rest;
    // UTC ticks until which an upstream asked every caller to wait (Pause); not persisted: a pause outlives no move.
    private long _pausedUntil;
    // A global policy's hits in every region, one counter per limit; null for a regional policy.
    private readonly RegionCounter[]? _regions;
    // While a peer region is down: what each limit may still admit here (a fair share); not persisted.
    private FairShare[]? _shares;

    /// <param name="key">The key within the policy.</param>
    /// <param name="policy">The policy.</param>
    /// <param name="region">This region's name; counts of a global policy are kept under it.</param>
    public KeyLimits(string key, CompiledPolicy policy, string region = "")
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(region);
        Key = key;
        Policy = policy;
        Region = region;
        if (policy.Algorithms.Count > 1)
        {
            _rest = new LimitState[policy.Algorithms.Count - 1];
        }

        if (policy.Definition.Scope == LimitScope.Global)
        {
            _regions = new RegionCounter[policy.Algorithms.Count];
            for (var i = 0; i < _regions.Length; i++)
            {
                _regions[i] = new RegionCounter();
            }
        }
    }

    /// <summary>The region whose own hits this instance counts.</summary>
    public string Region { get; }

    /// <summary>Counted across regions: the policy's scope is global.</summary>
    public bool IsGlobal => _regions is not null;

    /// <summary>How many resets this key has seen in any region; a report from an older epoch is stale.</summary>
    public long ResetEpoch { get; private set; }

    /// <summary>Global keys: the regions and whether all of them are reachable; set by the grain before each operation.</summary>
    public RegionHealth Health { get; set; } = RegionHealth.Alone;

    public string Key { get; }

    public CompiledPolicy Policy { get; }

    /// <summary>Changed since it was last handed to the store.</summary>
    public bool IsDirty { get; set; }

    public int LimitCount => Policy.Algorithms.Count;

    /// <summary>Admits <paramref name="cost"/> if every limit admits it, charging all of them; otherwise charges none.</summary>
    public LimitDecision TryAcquire(long now, long cost)
    {
        var decision = Evaluate(now, cost);
        if (!decision.Allowed || cost == 0)
        {
            return decision;
        }

        long leaseId = 0;
        for (var i = 0; i < LimitCount; i++)
        {
            var charged = Policy.Algorithms[i].Charge(ref State(i), now, cost);
            leaseId = charged != 0 ? charged : leaseId;
            if (_regions is not null)
            {
                _regions[i].Add(Region, Policy.Algorithms[i].GlobalWindow(ref State(i), now), cost);
                if (_shares is not null)
                {
                    _shares[i].Left -= cost;
                }
            }
        }

        IsDirty = true;
        return decision with { LeaseId = leaseId };
    }

    /// <summary>What <see cref="TryAcquire"/> would answer, without charging anything.</summary>
    public LimitDecision Evaluate(long now, long cost)
    {
        LimitDecision? denied = null;
        LimitDecision tightest = default;
        var wait = TimeSpan.Zero;
        var alert = false;
        for (var i = 0; i < LimitCount; i++)
        {
            var decision = _regions is null ? Policy.Algorithms[i].Check(ref State(i), now, cost) : CheckGlobal(i, now, cost);
            decision = decision with { LimitIndex = i, AlertReached = ReachedAlert(i, decision) };

            if (!decision.Allowed)
            {
                // The most restrictive denial decides: the one that lasts longest.
                if (denied is null || decision.RetryAfter > denied.Value.RetryAfter)
                {
                    denied = decision;
                }
            }
            else if (i == 0 || decision.Remaining < tightest.Remaining)
            {
                tightest = decision;
            }

            wait = decision.Wait > wait ? decision.Wait : wait;
            alert |= decision.AlertReached;
        }

        var result = (denied ?? tightest with { Wait = wait }) with { AlertReached = alert };
        return now < _pausedUntil ? Paused(result, now) : result;
    }

    /// <summary>Denies every request until <paramref name="untilTicks"/> (UTC); a pause already in force is never shortened.</summary>
    public void PauseUntil(long untilTicks) => _pausedUntil = Math.Max(_pausedUntil, untilTicks);

    private LimitDecision Paused(in LimitDecision decision, long now)
    {
        var left = TimeSpan.FromTicks(_pausedUntil - now);
        var retryAfter = !decision.Allowed && decision.RetryAfter > left ? decision.RetryAfter : left;
        return decision with { Allowed = false, Remaining = 0, RetryAfter = retryAfter, Wait = TimeSpan.Zero, LeaseId = 0 };
    }

    /// <summary>Gives back a charge that another key of the same check denied.</summary>
    public void Refund(long now, long cost, long leaseId)
    {
        for (var i = 0; i < LimitCount; i++)
        {
            Policy.Algorithms[i].Refund(ref State(i), now, cost, leaseId);
        }

        IsDirty = true;
    }

    /// <summary>Releases a concurrency lease; the other limits keep their charge.</summary>
    public void Release(long now, long leaseId)
    {
        for (var i = 0; i < LimitCount; i++)
        {
            if (Policy.Definition.Limits[i].Algorithm == LimitAlgorithmKind.Concurrency)
            {
                Policy.Algorithms[i].Refund(ref State(i), now, 0, leaseId);
            }
        }

        IsDirty = true;
    }

    /// <summary>Forgets all usage: the grain decides as a fresh one. A global key moves to the next reset epoch, which
    /// every region adopts from its next report.</summary>
    public void Reset() => ResetTo(ResetEpoch + 1);

    private void ResetTo(long epoch)
    {
        _first = default;
        if (_rest is not null)
        {
            Array.Clear(_rest);
        }

        if (_regions is not null)
        {
            ResetEpoch = epoch;
            _shares = null;
            foreach (var counter in _regions)
            {
                counter.Clear();
            }
        }

        IsDirty = true;
    }

    /// <summary>Global keys: this region's view of every region's hits, to send to the peer regions.</summary>
    public GlobalCounts RegionCounts()
    {
        var counts = new List<WindowCount>();
        for (var i = 0; _regions is not null && i < _regions.Length; i++)
        {
            foreach (var count in _regions[i].Counts)
            {
                counts.Add(count with { Limit = i });
            }
        }

        return new GlobalCounts(ResetEpoch, [.. counts]);
    }

    /// <summary>Global keys: merges another region's view (max per region and window); a later reset epoch resets first.</summary>
    /// <returns>Whether anything changed: repeated, reordered and stale reports change nothing.</returns>
    public bool MergeRegionCounts(long now, GlobalCounts counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        if (_regions is null || counts.Epoch < ResetEpoch)
        {
            return false;
        }

        var changed = false;
        if (counts.Epoch > ResetEpoch)
        {
            ResetTo(counts.Epoch);
            changed = true;
        }

        foreach (var count in counts.Counts)
        {
            if ((uint)count.Limit >= (uint)_regions.Length || count.Count <= 0 || count.Region is null)
            {
                continue;
            }

            var rose = _regions[count.Limit].Merge(count.Region, count.Window, count.Count);
            if (rose > 0)
            {
                Policy.Algorithms[count.Limit].AbsorbRemote(ref State(count.Limit), now, count.Window, rose);
                changed = true;
            }
        }

        IsDirty |= changed;
        return changed;
    }

    /// <summary>Restores the persisted reset epoch and region counts (<see cref="GrainStateCodec"/>).</summary>
    internal void RestoreRegionCounts(long epoch, IEnumerable<WindowCount> counts)
    {
        if (_regions is null)
        {
            return;
        }

        ResetEpoch = epoch;
        foreach (var count in counts)
        {
            if ((uint)count.Limit < (uint)_regions.Length && count.Count > 0)
            {
                _regions[count.Limit].Merge(count.Region, count.Window, count.Count);
            }
        }
    }

    // Every region's hits counted as this region's; while a peer is down, capped at this region's fair share.
    private LimitDecision CheckGlobal(int i, long now, long cost)
    {
        var algorithm = Policy.Algorithms[i];
        ref var state = ref State(i);
        var window = algorithm.GlobalWindow(ref state, now);
        var previous = algorithm.PreviousGlobalWindow(window);
        var counter = _regions![i];
        var decision = algorithm.CheckGlobal(ref state, now, cost, counter.Total(window), previous < 0 ? 0 : counter.Total(previous));
        if (Health.PartitionEpoch == 0)
        {
            _shares = null;
            return decision;
        }

        _shares ??= new FairShare[LimitCount];
        ref var share = ref _shares[i];
        if (share.Epoch != Health.PartitionEpoch || share.Window != window)
        {
            // What remained when the partition began (or this window started) is split evenly between all regions.
            var remaining = decision.Allowed ? decision.Remaining + cost : decision.Remaining;
            share = new FairShare { Epoch = Health.PartitionEpoch, Window = window, Left = remaining / Math.Max(1, Health.Regions) };
        }

        if (decision.Allowed && cost > share.Left)
        {
            var retry = decision.ResetAfter > TimeSpan.Zero ? decision.ResetAfter : TimeSpan.FromSeconds(1);
            return decision with { Allowed = false, Remaining = Math.Max(0, share.Left), RetryAfter = retry, Wait = TimeSpan.Zero };
        }

        return decision.Allowed ? decision with { Remaining = Math.Min(decision.Remaining, share.Left - cost) } : decision;
    }

    private struct FairShare
    {
        public long Epoch;
        public long Window;
        public long Left;
    }

    /// <summary>How long until every limit is equivalent to fresh; the persistence TTL.</summary>
    public TimeSpan FreshAfter(long now)
    {
        var longest = TimeSpan.Zero;
        for (var i = 0; i < LimitCount; i++)
        {
            var fresh = Policy.Algorithms[i].FreshAfter(in State(i), now);
            longest = fresh > longest ? fresh : longest;
        }

        return longest;
    }

    internal ref LimitState State(int index)
    {
        Debug.Assert(index < LimitCount);
        return ref index == 0 ? ref _first : ref _rest![index - 1];
    }

    private bool ReachedAlert(int index, in LimitDecision decision)
    {
        var alertAt = Policy.Definition.Limits[index].AlertAt;
        // Usage after this request (Remaining already counts it when allowed) against the threshold.
        return alertAt is not null && decision.Limit - decision.Remaining >= Math.Ceiling(alertAt.Value * decision.Limit);
    }
}
