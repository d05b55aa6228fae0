using GrainLimiter.Grains.Algorithms;
using GrainLimiter.Grains.Overrides;
using GrainLimiter.Grains.Persistence;

namespace GrainLimiter.Grains;

// An operator's override: the algorithm each limit decides with while it is in force.
public sealed partial class KeyLimits
{
    /// <summary>The override in force (or expired, until the next decision notices); null when none.</summary>
    public KeyOverride? Override => _override;

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
}
