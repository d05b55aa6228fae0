using System.Diagnostics;
using GrainLimiter.Adaptive;
using GrainLimiter.Decisions;
using GrainLimiter.Grains.Adaptive;
using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Grains.Overrides;
using GrainLimiter.Grains.Persistence;
using GrainLimiter.Grains.Regions;
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
    // An operator's override (persisted) and, while it is in force, the algorithm each limit decides with.
    private KeyOverride? _override;
    private LimitAlgorithm[]? _effective;
    private long _overrideUntil = long.MaxValue;
    // Adaptive limits: what each has learned (null for a static limit) and the algorithm at the limit it puts in force (null
    // while that is the configured limit). An override in force for a limit wins over its adaptation.
    private AdaptiveLimit?[]? _adaptive;
    private LimitAlgorithm?[]? _adapted;

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

        if (policy.IsAdaptive)
        {
            _adaptive = NewAdaptive(policy);
            _adapted = new LimitAlgorithm?[policy.Algorithms.Count];
        }
    }

    private static AdaptiveLimit?[] NewAdaptive(CompiledPolicy policy) =>
        [.. policy.Definition.Limits.Select(static l => l.Adaptive is { } adaptive ? new AdaptiveLimit(adaptive, l.Limit) : null)];

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

    /// <summary>Whether this key's grain may lease units to holders (the policy's <see cref="CompiledPolicy.LeasesApply"/>).</summary>
    public bool CanLease => Policy.LeasesApply;

    /// <summary>When the first of the windows that a charge at <paramref name="now"/> counts in ends: a lease charged now must end by then.</summary>
    public long LeaseWindowEnd(long now)
    {
        ExpireOverride(now);
        var end = long.MaxValue;
        for (var i = 0; i < LimitCount; i++)
        {
            end = Math.Min(end, Algorithm(i).LeaseWindowEnd(ref State(i), now));
        }

        return end;
    }

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
            var charged = Algorithm(i).Charge(ref State(i), now, cost);
            leaseId = charged != 0 ? charged : leaseId;
            if (_regions is not null)
            {
                _regions[i].Add(Region, Algorithm(i).GlobalWindow(ref State(i), now), cost);
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
        ExpireOverride(now);
        LimitDecision? denied = null;
        LimitDecision tightest = default;
        var wait = TimeSpan.Zero;
        var alert = false;
        for (var i = 0; i < LimitCount; i++)
        {
            var decision = _regions is null ? Algorithm(i).Check(ref State(i), now, cost) : CheckGlobal(i, now, cost);
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

    /// <summary>A policy of several limits: each one's state now, without charging (cost 0), in policy order; null for one limit.</summary>
    public LimitDecision[]? EachLimit(long now)
    {
        if (LimitCount == 1)
        {
            return null;
        }

        var limits = new LimitDecision[LimitCount];
        for (var i = 0; i < limits.Length; i++)
        {
            var decision = _regions is null ? Algorithm(i).Check(ref State(i), now, 0) : CheckGlobal(i, now, 0);
            limits[i] = (now < _pausedUntil ? Paused(decision, now) : decision) with { LimitIndex = i };
        }

        return limits;
    }

    /// <summary>Adaptive limits learn from <paramref name="outcomes"/> and may move the limit they put in force; usage carries over
    /// (<see cref="LimitAlgorithm.Adopt"/>). False (nothing learned) when no limit adapts.</summary>
    public bool Report(long now, in OutcomeTally outcomes)
    {
        if (_adaptive is null)
        {
            return false;
        }

        ExpireOverride(now);
        for (var i = 0; i < LimitCount; i++)
        {
            if (_adaptive[i] is { } adaptive && adaptive.Record(now, outcomes))
            {
                Adapt(i, now);
            }
        }

        IsDirty = true;
        return true;
    }

    // Puts limit i's learned value in force (unless an override holds it), carrying its usage over.
    private void Adapt(int index, long now)
    {
        var previous = Algorithm(index);
        _adapted![index] = AdaptedAlgorithm(index, _adaptive![index]!.Limit);
        var next = Algorithm(index);
        if (!ReferenceEquals(previous, next))
        {
            next.Adopt(ref State(index), now, previous);
        }
    }

    /// <summary>Restores what adaptive limit <paramref name="index"/> had learned (<see cref="GrainStateCodec"/>); ignored for a static limit.</summary>
    internal void RestoreAdaptive(int index, in AdaptiveMemory memory)
    {
        if ((uint)index < (uint)LimitCount && _adaptive?[index] is { } adaptive)
        {
            adaptive.Restore(memory);
            _adapted![index] = AdaptedAlgorithm(index, adaptive.Limit);
        }
    }

    // Limit `index` at `limit`, its burst scaled as an override scales it; null at the configured limit (the policy's algorithm).
    private LimitAlgorithm? AdaptedAlgorithm(int index, long limit)
    {
        var spec = Policy.Definition.Limits[index];
        return limit == spec.Limit ? null : LimitAlgorithm.Create(KeyOverrides.Apply(spec, new LimitOverride(Policy.LimitNames[index], limit, null)));
    }

    /// <summary>What adaptive limit <paramref name="index"/> has learned; null for a static limit.</summary>
    internal AdaptiveLimit? AdaptiveAt(int index) => _adaptive?[index];

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
        ExpireOverride(now);
        for (var i = 0; i < LimitCount; i++)
        {
            Algorithm(i).Refund(ref State(i), now, cost, leaseId);
        }

        IsDirty = true;
    }

    /// <summary>Releases a concurrency lease; the other limits keep their charge.</summary>
    public void Release(long now, long leaseId)
    {
        ExpireOverride(now);
        for (var i = 0; i < LimitCount; i++)
        {
            if (Policy.Definition.Limits[i].Algorithm == LimitAlgorithmKind.Concurrency)
            {
                Algorithm(i).Refund(ref State(i), now, 0, leaseId);
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

        if (_adaptive is not null)
        {
            // A fresh key: adaptation starts again at the configured limit.
            _adaptive = NewAdaptive(Policy);
            Array.Clear(_adapted!);
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
        ExpireOverride(now);
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
                Algorithm(count.Limit).AbsorbRemote(ref State(count.Limit), now, count.Window, rose);
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
        var algorithm = Algorithm(i);
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
        // An override in force is state worth keeping until it expires (or for good).
        var longest = _override is null || now >= _overrideUntil ? TimeSpan.Zero
            : _overrideUntil == long.MaxValue ? TimeSpan.MaxValue : TimeSpan.FromTicks(_overrideUntil - now);
        for (var i = 0; i < LimitCount; i++)
        {
            var fresh = Algorithm(i).FreshAfter(in State(i), now);
            longest = fresh > longest ? fresh : longest;
            var learned = _adaptive?[i]?.FreshAfter(now) ?? TimeSpan.Zero;
            longest = learned > longest ? learned : longest;
        }

        return longest;
    }

    /// <summary>The override in force (or expired, until the next decision notices); null when none.</summary>
    public KeyOverride? Override => _override;

    /// <summary>The algorithm limit <paramref name="index"/> decides with: the override's while one is in force.</summary>
    public LimitAlgorithm Algorithm(int index) => _effective is null && _adapted is null ? Policy.Algorithms[index] : Adjusted(index);

    // The override's algorithm for a limit it names, else the adapted one, else the policy's.
    private LimitAlgorithm Adjusted(int index)
    {
        var configured = Policy.Algorithms[index];
        return _effective is not null && !ReferenceEquals(_effective[index], configured) ? _effective[index]
            : _adapted?[index] ?? configured;
    }

    /// <summary>Puts <paramref name="value"/> in force (null or already expired: removes any override). Usage carries
    /// over: each limit is judged against its new limit from now on (<see cref="LimitAlgorithm.Adopt"/>).</summary>
    public void SetOverride(KeyOverride? value, long now)
    {
        var before = new LimitAlgorithm[LimitCount];
        for (var i = 0; i < before.Length; i++)
        {
            before[i] = Algorithm(i);
        }

        Use(value is not null && value.InForceAt(now) ? value : null);
        for (var i = 0; i < LimitCount; i++)
        {
            var previous = before[i];
            var next = Algorithm(i);
            if (!ReferenceEquals(previous, next))
            {
                next.Adopt(ref State(i), now, previous);
            }
        }

        IsDirty = true;
    }

    /// <summary>Restores a persisted override as it was, expired or not: the state was kept under it (<see cref="GrainStateCodec"/>).</summary>
    internal void RestoreOverride(KeyOverride value) => Use(value);

    /// <summary>What an operator sees of the key at <paramref name="now"/>: each limit's usage, the pause and the override.</summary>
    public KeyView Inspect(long now)
    {
        ExpireOverride(now);
        var limits = new LimitView[LimitCount];
        for (var i = 0; i < LimitCount; i++)
        {
            var decision = _regions is null ? Algorithm(i).Check(ref State(i), now, 0) : CheckGlobal(i, now, 0);
            var spec = Policy.Definition.Limits[i];
            var window = spec.Algorithm switch
            {
                LimitAlgorithmKind.Concurrency => spec.LeaseTtl,
                LimitAlgorithmKind.Quota => TimeSpan.Zero,
                _ => spec.Window,
            };
            limits[i] = new LimitView(Policy.LimitNames[i], spec.Algorithm, spec.Limit, Algorithm(i).Limit,
                Math.Max(0, decision.Limit - decision.Remaining), decision.Remaining, decision.ResetAfter, window, _adaptive?[i]?.View(now));
        }

        DateTimeOffset? paused = _pausedUntil > now ? new DateTimeOffset(_pausedUntil, TimeSpan.Zero) : null;
        return new KeyView([.. limits], paused, _override);
    }

    /// <summary>This key under a reloaded policy: a limit whose name and algorithm are unchanged keeps its usage (judged
    /// against the new limit); any other limit starts fresh. The pause and the override carry over.</summary>
    public KeyLimits WithPolicy(CompiledPolicy policy, long now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var next = new KeyLimits(Key, policy, Region) { _pausedUntil = _pausedUntil, IsDirty = true };
        if (_override is not null)
        {
            next.Use(_override);
        }

        if (next._regions is not null && _regions is not null)
        {
            next.ResetEpoch = ResetEpoch;
        }

        for (var i = 0; i < next.LimitCount; i++)
        {
            var name = policy.LimitNames[i];
            for (var j = 0; j < LimitCount; j++)
            {
                if (Policy.LimitNames[j] == name && Policy.Definition.Limits[j].Algorithm == policy.Definition.Limits[i].Algorithm)
                {
                    if (_adaptive?[j] is { } learned)
                    {
                        // Still adaptive: what was learned carries over, within the new bounds.
                        next.RestoreAdaptive(i, learned.Memory);
                    }

                    next.State(i) = State(j);
                    next.Algorithm(i).Adopt(ref next.State(i), now, Algorithm(j));
                    if (next._regions is not null && _regions is not null)
                    {
                        next._regions[i] = _regions[j];
                    }

                    break;
                }
            }
        }

        next.ExpireOverride(now);
        return next;
    }

    private void ExpireOverride(long now)
    {
        if (now >= _overrideUntil)
        {
            SetOverride(null, now);
        }
    }

    // Sets the override and the algorithms it gives each limit; the states are left as they are.
    private void Use(KeyOverride? value)
    {
        _override = value;
        _overrideUntil = value?.ExpiresAt?.UtcTicks ?? long.MaxValue;
        _effective = null;
        if (value is null)
        {
            return;
        }

        var effective = Policy.Algorithms.ToArray();
        foreach (var item in value.Limits)
        {
            var index = IndexOf(item.Name);
            if (index >= 0)
            {
                try
                {
                    effective[index] = LimitAlgorithm.Create(KeyOverrides.Apply(Policy.Definition.Limits[index], item));
                }
                catch (ArgumentOutOfRangeException)
                {
                    // Outside what the algorithm can hold (the admin front refuses it): the policy's limit stays.
                }
            }
        }

        _effective = effective;
    }

    private int IndexOf(string name)
    {
        for (var i = 0; i < LimitCount; i++)
        {
            if (Policy.LimitNames[i] == name)
            {
                return i;
            }
        }

        return -1;
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
