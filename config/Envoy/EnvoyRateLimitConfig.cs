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
    /// Entries walk the tree level by level. A limit applies only when found at the level of the descriptor's
    /// last entry; a descriptor with more entries than the configuration is deep gets no limit, as in envoyproxy/ratelimit.
    /// </remarks>
    public EnvoyLimit? Match(string domain, IReadOnlyList<RateLimitDescriptor.Types.Entry> entries)
    {
        if (!Domains.TryGetValue(domain, out var level))
        {
            return null;
        }

        EnvoyLimit? limit = null;
        for (var i = 0; i < entries.Count; i++)
        {
            var next = level.Select(entries[i].Key, entries[i].Value);
            if (next?.Limit is not null && i == entries.Count - 1)
            {
                limit = next.Limit;
            }

            if (next is null || next.Children.Count == 0 && next.Wildcards.Count == 0)
            {
                break;
            }

            level = next;
        }

        return limit;
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
