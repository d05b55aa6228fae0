using GrainLimiter.Adaptive;
using GrainLimiter.Grains.Adaptive;
using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Grains.Overrides;
using GrainLimiter.Grains.Persistence;

namespace GrainLimiter.Grains;

// Adaptive limits: learning from reported outcomes and putting the learned limit in force.
public sealed partial class KeyLimits
{
    private static AdaptiveLimit?[] NewAdaptive(CompiledPolicy policy) =>
        [.. policy.Definition.Limits.Select(static l => l.Adaptive is { } adaptive ? new AdaptiveLimit(adaptive, l.Limit) : null)];

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
}
