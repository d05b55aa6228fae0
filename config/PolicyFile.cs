using GrainLimiter.Config.Envoy;
using GrainLimiter.Policies;

namespace GrainLimiter.Config;

/// <summary>A policy file's sections: the policies keys are checked against, and the Rate Limit Quota Service buckets.</summary>
public sealed record PolicyFile(IReadOnlyList<PolicyDefinition> Policies, QuotaBucketRules QuotaBuckets);
