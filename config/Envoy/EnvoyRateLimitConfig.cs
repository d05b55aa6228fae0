using System.Text;
using GrainLimiter.Protocol.Envoy.Common;

namespace GrainLimiter.Config.Envoy;

/// <summary>The loaded descriptor configuration: one tree per domain, matched as envoyproxy/ratelimit does.</summary>
public sealed class EnvoyRateLimitConfig(IReadOnlyDictionary<string, EnvoyDescriptorNode> domains)
{
    public IReadOnlyDictionary<string, EnvoyDescriptorNode> Domains { get; } = domains;

    /// <summary>Every configured limit that is counted (not unlimited), for registering their policies.</summary>
    public IEnumerable<EnvoyLimit> Limits => Domains.Values.SelectMany(Walk).Where(static l => l.Policy is not null);

    /// <summary>The limit for a request descriptor, or null when none applies (unknown domain, no match: whitelisted).</summary>
    /// <remarks>
    /// Entries walk the tree level by level; at each level an exact <c>key_value</c> wins, then the first wildcard that
    /// matches (in file order), then the key alone. A limit applies only when found at the level of the descriptor's last
    /// entry; a descriptor with more entries than the configuration is deep gets no limit, as in envoyproxy/ratelimit.
    /// The stats key follows envoyproxy/ratelimit's <c>detailed_metric</c>, <c>value_to_metric</c> and <c>share_threshold</c>.
    /// </remarks>
    public EnvoyMatch? Match(string domain, IReadOnlyList<RateLimitDescriptor.Types.Entry> entries)
    {
        if (!Domains.TryGetValue(domain, out var level))
        {
            return null;
        }

        EnvoyLimit? limit = null;
        string?[]? shared = null;
        var valueToMetric = new StringBuilder(domain);
        for (var i = 0; i < entries.Count; i++)
        {
            var (key, value) = (entries[i].Key, entries[i].Value);
            var keyValue = key + "_" + value;
            WildcardPattern? wildcard = null;
            if (!level.Children.TryGetValue(keyValue, out var next))
            {
                foreach (var (pattern, node) in level.Wildcards)
                {
                    if (pattern.Matches(keyValue))
                    {
                        (next, wildcard) = (node, pattern);
                        break;
                    }
                }
            }

            var byValue = next is not null;
            next ??= level.Children.GetValueOrDefault(key);
            var patternValue = wildcard is null ? null : ValuePart(wildcard.Pattern, key);
            if (next is { ShareThreshold: true } && patternValue is not null)
            {
                (shared ??= new string?[entries.Count])[i] = patternValue;
            }

            // The metric name of this level: a wildcard's pattern (or the request's value with value_to_metric), a
            // configured value, or the key alone (with the request's value under value_to_metric).
            var metricValue = next is null ? null
                : wildcard is not null ? (next.ShareThreshold ? patternValue : next.ValueToMetric ? value : patternValue)
                : byValue || next.ValueToMetric ? value : null;
            valueToMetric.Append('.').Append(key);
            if (!string.IsNullOrEmpty(metricValue))
            {
                valueToMetric.Append('_').Append(metricValue);
            }

            if (next?.Limit is not null && i == entries.Count - 1)
            {
                limit = next.Limit;
            }

            if (next is null || next.Children.Count == 0)
            {
                break;
            }

            level = next;
        }

        if (limit is null)
        {
            return null;
        }

        return new EnvoyMatch(limit, limit.DetailedMetric ? DetailedKey(domain, entries, shared) : valueToMetric.ToString(), shared);
    }

    // The value part of a key_value pattern (the pattern itself when it does not start with the key).
    private static string ValuePart(string pattern, string key) =>
        pattern.Length > key.Length && pattern.StartsWith(key, StringComparison.Ordinal) && pattern[key.Length] == '_' ? pattern[(key.Length + 1)..] : pattern;

    // detailed_metric: every entry's key_value as the request sent it; a share_threshold entry's pattern instead of its value.
    private static string DetailedKey(string domain, IReadOnlyList<RateLimitDescriptor.Types.Entry> entries, string?[]? shared)
    {
        var key = new StringBuilder(domain);
        for (var i = 0; i < entries.Count; i++)
        {
            key.Append('.').Append(entries[i].Key);
            if (shared?[i] is { } pattern)
            {
                key.Append('_').Append(pattern);
            }
            else if (shared is null || entries[i].Value.Length > 0)
            {
                key.Append('_').Append(entries[i].Value);
            }
        }

        return key.ToString();
    }

    private static IEnumerable<EnvoyLimit> Walk(EnvoyDescriptorNode node)
    {
        foreach (var child in node.Children.Values)
        {
            if (child.Limit is not null)
            {
                yield return child.Limit;
            }

            foreach (var limit in Walk(child))
            {
                yield return limit;
            }
        }
    }
}
