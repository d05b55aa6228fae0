using System.Diagnostics;
using GrainLimiter.Decisions;
using GrainLimiter.Grains.Adaptive;
using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Grains.Regions;
using GrainLimiter.Policies;

namespace GrainLimiter.Grains;

/// <summary>The state machine of one (policy, key): applies every limit of the policy, all or none.</summary>
/// <remarks>
/// Not thread-safe: the Orleans grain (<see cref="LimitGrain"/>) runs each operation in one single-threaded turn.
/// Pure: no I/O, time comes in as UTC ticks.
/// </remarks>
public sealed partial class KeyLimits
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

    /// <summary>The algorithm limit <paramref name="index"/> decides with: the override's while one is in force.</summary>
    public LimitAlgorithm Algorithm(int index) => _effective is null && _adapted is null ? Policy.Algorithms[index] : Adjusted(index);

    // The override's algorithm for a limit it names, else the adapted one, else the policy's.
    private LimitAlgorithm Adjusted(int index)
    {
        var configured = Policy.Algorithms[index];
        return _effective is not null && !ReferenceEquals(_effective[index], configured) ? _effective[index]
            : _adapted?[index] ?? configured;
    }

    /// <summary>What an operator sees of the key at <paramref name="now"/>: each limit's usage, the pause and the override.</summary>
    public KeyView Inspect(long now)
    {
        ExpireOverride(now);
        var limits = new LimitView[LimitCount];
        for (var i = 0; i < LimitCount; i++)
        {
            var decision = _regions is null ? Algorithm(i).Check(ref State(i), now, 0) : CheckGlobal(i, now, 0);
            var spec = Policy.Definition.Limits[i];
            limits[i] = new LimitView(Policy.LimitNames[i], spec.Algorithm, spec.Limit, Algorithm(i).Limit,
                Math.Max(0, decision.Limit - decision.Remaining), decision.Remaining, decision.ResetAfter, LimitWindow.Of(spec), _adaptive?[i]?.View(now));
        }

        DateTimeOffset? paused = _pausedUntil > now ? new DateTimeOffset(_pausedUntil, TimeSpan.Zero) : null;
        return new KeyView([.. limits], paused, _override);
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
