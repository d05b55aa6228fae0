using GrainLimiter.Decisions;

namespace GrainLimiter.Silo.Checks;

/// <summary>The answer to a whole check: allowed only if every item was, with each item's decision in order.</summary>
public readonly record struct CheckOutcome(bool Allowed, CheckResult[] Results);
