namespace GrainLimiter.Decisions;

/// <summary>One (policy, key, cost) item of a check. Cost 0 peeks without charging.</summary>
[GenerateSerializer, Immutable, Alias("GrainLimiter.CheckRequest")]
public readonly record struct CheckRequest([property: Id(0)] string Policy, [property: Id(1)] string Key, [property: Id(2)] long Cost = 1);
