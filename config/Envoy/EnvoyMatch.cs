namespace GrainLimiter.Config.Envoy;

/// <summary>What a request descriptor matched: the limit, the name its metrics go under, and the values it is counted by.</summary>
/// <param name="StatsKey">envoyproxy/ratelimit's stats key: the configured path (<c>domain.key_value.key</c>), with request
/// values where <c>detailed_metric</c> or <c>value_to_metric</c> ask for them and wildcard patterns where <c>share_threshold</c> does.</param>
/// <param name="SharedValues">Per entry, the wildcard pattern to count by instead of the request's value (<c>share_threshold</c>);
/// null when every entry counts by its own value.</param>
public sealed record EnvoyMatch(EnvoyLimit Limit, string StatsKey, string?[]? SharedValues = null)
{
    /// <summary>The value entry <paramref name="index"/> is counted under: its share_threshold pattern, or the request's own.</summary>
    public string CountedValue(int index, string requestValue) => SharedValues?[index] ?? requestValue;
}
