using GrainLimiter.Policies;

namespace GrainLimiter.Silo.Policies;

/// <summary>A source read for a reload and not yet in force.</summary>
/// <param name="Policies">Registered with the policy file's, in one replacement.</param>
/// <param name="Commit">Puts what was read in force, after the registry holds <paramref name="Policies"/>.</param>
public sealed record StagedPolicies(IReadOnlyList<PolicyDefinition> Policies, Action Commit);
