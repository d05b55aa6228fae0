namespace GrainLimiter.Client.Decisions;

/// <summary>One item of a multi-key check: charge <paramref name="Cost"/> to <paramref name="Key"/> under <paramref name="Policy"/> (0 peeks).</summary>
public readonly record struct LimitCheck(string Policy, string Key, long Cost = 1);
