namespace GrainLimiter.Config.Envoy;

/// <summary>One level of a domain's descriptor tree: its limit and the descriptors nested under it.</summary>
public sealed class EnvoyDescriptorNode
{
    /// <summary>Children by exact <c>key_value</c>, and by <c>key</c> alone for descriptors without a value.</summary>
    public Dictionary<string, EnvoyDescriptorNode> Children { get; } = new(StringComparer.Ordinal);

    /// <summary>Children whose value ends with <c>*</c>, in file order: (key, value prefix, node).</summary>
    public List<(string Key, string Prefix, EnvoyDescriptorNode Node)> Wildcards { get; } = [];

    public EnvoyLimit? Limit { get; set; }

    public static string ChildKey(string key, string? value) => string.IsNullOrEmpty(value) ? key : key + "_" + value;

    /// <summary>The child an entry selects: exact value, then the first wildcard whose prefix matches, then the key alone.</summary>
    public EnvoyDescriptorNode? Select(string key, string value)
    {
        if (Children.TryGetValue(ChildKey(key, value), out var exact) && value.Length > 0)
        {
            return exact;
        }

        foreach (var (wildcardKey, prefix, node) in Wildcards)
        {
            if (string.Equals(wildcardKey, key, StringComparison.Ordinal) && value.StartsWith(prefix, StringComparison.Ordinal))
            {
                return node;
            }
        }

        return Children.GetValueOrDefault(key);
    }
}
