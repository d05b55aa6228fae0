namespace GrainLimiter.Config.Envoy;

/// <summary>One level of a domain's descriptor tree: its limit, how it names metrics, and the descriptors nested under it.</summary>
public sealed class EnvoyDescriptorNode
{
    /// <summary>Children by <c>key_value</c>, and by <c>key</c> alone for descriptors without a value (wildcards included, by pattern).</summary>
    public Dictionary<string, EnvoyDescriptorNode> Children { get; } = new(StringComparer.Ordinal);

    /// <summary>Children whose <c>key_value</c> holds a <c>*</c>, in file order.</summary>
    public List<(WildcardPattern Pattern, EnvoyDescriptorNode Node)> Wildcards { get; } = [];

    public EnvoyLimit? Limit { get; set; }

    /// <summary><c>value_to_metric</c>: the request's value goes into the metric name at this level.</summary>
    public bool ValueToMetric { get; init; }

    /// <summary><c>share_threshold</c> (wildcards only): every value this wildcard matches counts against one shared limit.</summary>
    public bool ShareThreshold { get; init; }

    /// <summary>envoyproxy/ratelimit's map key of a descriptor: <c>key_value</c>, or <c>key</c> without a value.</summary>
    public static string ChildKey(string key, string? value) => string.IsNullOrEmpty(value) ? key : key + "_" + value;
}
