using GrainLimiter.QuotaBuckets;

namespace GrainLimiter.Config.Envoy;

/// <summary>A <c>quotaBuckets</c> entry of the policy file: which Rate Limit Quota Service buckets it covers, and how they share.</summary>
/// <param name="Domain">The RLQS domain it applies to; null for every domain.</param>
/// <param name="Match">Bucket id entries a bucket must have, each value matching its pattern (<c>*</c> anywhere); other
/// entries of the bucket id are free, and every distinct bucket id is a bucket of its own with the whole limit.</param>
public sealed record QuotaBucketRule(QuotaBucketSpec Spec, string? Domain, IReadOnlyList<(string Key, WildcardPattern Value)> Match)
{
    public bool Matches(string domain, IReadOnlyDictionary<string, string> bucketId) =>
        (Domain is null || string.Equals(Domain, domain, StringComparison.Ordinal))
        && Match.All(m => bucketId.TryGetValue(m.Key, out var value) && m.Value.Matches(value));
}

/// <summary>Every <c>quotaBuckets</c> entry, in file order: a bucket takes the first that matches it.</summary>
public sealed class QuotaBucketRules(IReadOnlyList<QuotaBucketRule> rules)
{
    public static readonly QuotaBucketRules None = new([]);

    public IReadOnlyList<QuotaBucketRule> Rules { get; } = rules;

    public QuotaBucketRule? Find(string domain, IReadOnlyDictionary<string, string> bucketId)
    {
        foreach (var rule in Rules)
        {
            if (rule.Matches(domain, bucketId))
            {
                return rule;
            }
        }

        return null;
    }
}
