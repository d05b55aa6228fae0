namespace GrainLimiter.Storage;

/// <summary>One grain state to persist. <paramref name="TimeToLive"/> is when the state becomes equivalent to fresh.</summary>
public readonly record struct GrainStateWrite(GrainId Id, ReadOnlyMemory<byte> State, TimeSpan TimeToLive);
