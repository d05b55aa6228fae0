using GrainLimiter.Config.Envoy;

namespace GrainLimiter.Silo.Fronts.Envoy.Rlqs;

/// <summary>The policy file's <c>quotaBuckets</c> in force on this silo; a reload replaces them (streams take the new
/// entry at their bucket's next report).</summary>
public sealed class QuotaBucketDirectory(QuotaBucketRules rules)
{
    private volatile QuotaBucketRules _rules = rules;

    public QuotaBucketRules Rules => _rules;

    public void Use(QuotaBucketRules rules) => _rules = rules;
}
