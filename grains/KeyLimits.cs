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

    public KeyLimits(string key, CompiledPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(policy);
        Key = key;
        Policy = policy;
        if (policy.Algorithms.Count > 1)
        {
            _rest = new LimitState[policy.Algorithms.Count - 1];
        }
    }

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
            var decision = Policy.Algorithms[i].Check(ref State(i), now, cost);
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

    /// <summary>Forgets all usage: the grain decides as a fresh one.</summary>
    public void Reset()
    {
        _first = default;
        if (_rest is not null)
        {
            Array.Clear(_rest);
        }

        IsDirty = true;
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
