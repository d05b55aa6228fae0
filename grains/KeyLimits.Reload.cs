namespace GrainLimiter.Grains;

// A reloaded policy: which usage carries over.
public sealed partial class KeyLimits
{
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
}
