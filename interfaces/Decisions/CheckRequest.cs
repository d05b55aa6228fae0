namespace GrainLimiter.Decisions;

/// <summary>One (policy, key, cost) item of a check. Cost 0 peeks without charging.</summary>
public readonly record struct CheckRequest(string Policy, string Key, long Cost = 1);
