namespace GrainLimiter.Storage;

/// <summary>Identity of a limit grain: one per (policy, key).</summary>
public readonly record struct GrainId(string Policy, string Key)
{
    public override string ToString() => $"{Policy}/{Key}";
}
