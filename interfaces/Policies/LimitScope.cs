namespace GrainLimiter.Policies;

/// <summary>Where a policy's counts apply: this region's cluster alone, or every region together.</summary>
public enum LimitScope
{
    /// <summary>Each region counts on its own (the default).</summary>
    Region,

    /// <summary>Every region's hits count against one limit; regions exchange their counts asynchronously (RegionSync).</summary>
    Global,
}
