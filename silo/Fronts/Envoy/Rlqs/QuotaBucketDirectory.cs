using GrainLimiter.Config;
using GrainLimiter.Config.Envoy;
using GrainLimiter.Silo.Policies;

namespace GrainLimiter.Silo.Fronts.Envoy.Rlqs;

/// <summary>The policy file's <c>quotaBuckets</c> in force on this silo; a reload replaces them (streams take the new
/// entry at their bucket's next report).</summary>
public sealed class QuotaBucketDirectory(QuotaBucketRules rules) : IPolicySource
{
    private volatile QuotaBucketRules _rules = rules;

    public QuotaBucketRules Rules => _rules;

    /// <summary>None of its own: the buckets are a section of the policy file.</summary>
    public IEnumerable<string> Watched => [];

    public StagedPolicies? Stage(string policiesFile, PolicyFile file, List<string> errors) => new([], () => _rules = file.QuotaBuckets);
}
