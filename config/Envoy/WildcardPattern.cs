namespace GrainLimiter.Config.Envoy;

/// <summary>A descriptor's <c>key_value</c> with <c>*</c> anywhere (prefix, middle, several): each <c>*</c> matches any
/// run of characters, the empty one included, as envoyproxy/ratelimit matches them.</summary>
public sealed class WildcardPattern
{
    private readonly string[] _parts;
    private readonly int _fixedLength;

    public WildcardPattern(string pattern)
    {
        ArgumentException.ThrowIfNullOrEmpty(pattern);
        Pattern = pattern;
        _parts = pattern.Split('*');
        _fixedLength = _parts.Sum(static p => p.Length);
    }

    /// <summary>The pattern as configured, e.g. <c>path_/api*v1</c>.</summary>
    public string Pattern { get; }

    public static bool HasWildcard(string text) => text.Contains('*', StringComparison.Ordinal);

    /// <summary>Whether <paramref name="value"/> (a request's <c>key_value</c>) matches: it starts with the first literal
    /// part, ends with the last, and holds the middle ones in order between them.</summary>
    public bool Matches(string value)
    {
        if (_parts.Length == 1)
        {
            return string.Equals(_parts[0], value, StringComparison.Ordinal);
        }

        if (value.Length < _fixedLength
            || !value.StartsWith(_parts[0], StringComparison.Ordinal)
            || !value.EndsWith(_parts[^1], StringComparison.Ordinal))
        {
            return false;
        }

        var rest = value.AsSpan(_parts[0].Length, value.Length - _parts[0].Length - _parts[^1].Length);
        for (var i = 1; i < _parts.Length - 1; i++)
        {
            var at = rest.IndexOf(_parts[i], StringComparison.Ordinal);
            if (at < 0)
            {
                return false;
            }

            rest = rest[(at + _parts[i].Length)..];
        }

        return true;
    }
}
