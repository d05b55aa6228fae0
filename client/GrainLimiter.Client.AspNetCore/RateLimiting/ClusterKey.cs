namespace GrainLimiter.Client.AspNetCore.RateLimiting;

/// <summary>A partition of an endpoint policy: one key of one cluster policy.</summary>
public readonly record struct ClusterKey(string Policy, string Key);
