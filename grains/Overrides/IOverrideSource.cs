namespace GrainLimiter.Grains.Overrides;

/// <summary>This silo's copy of the cluster's override list: what a key activating with no override in its stored
/// state takes up (the store's entry of an idle key expires; the list does not).</summary>
public interface IOverrideSource
{
    /// <summary>The listed override of (<paramref name="policy"/>, <paramref name="key"/>), when one is in force at <paramref name="nowTicks"/>.</summary>
    KeyOverride? Find(string policy, string key, long nowTicks);
}
