using System.Globalization;
using System.Text;

namespace GrainLimiter.Silo.Fronts;

/// <summary>Items of the IETF httpapi ratelimit-headers draft's <c>RateLimit-Policy</c> (<c>"name";q=10;w=60</c>) and
/// <c>RateLimit</c> (<c>"name";r=4;t=12</c>) headers, written the same by every front.</summary>
internal static class RateLimitHeaderItems
{
    /// <summary>Appends a policy item; <paramref name="windowSeconds"/> 0 leaves <c>w</c> out (a limit without a window).</summary>
    public static void AppendPolicy(StringBuilder header, string name, long quota, long windowSeconds)
    {
        Begin(header, name).Append(";q=").Append(quota.ToString(CultureInfo.InvariantCulture));
        if (windowSeconds > 0)
        {
            header.Append(";w=").Append(windowSeconds.ToString(CultureInfo.InvariantCulture));
        }
    }

    public static void AppendState(StringBuilder header, string name, long remaining, long resetSeconds) =>
        Begin(header, name).Append(";r=").Append(remaining.ToString(CultureInfo.InvariantCulture))
            .Append(";t=").Append(resetSeconds.ToString(CultureInfo.InvariantCulture));

    // A structured-field string: printable ASCII, with '"' and '\' escaped; anything else (a descriptor value may hold it) becomes '?'.
    private static StringBuilder Begin(StringBuilder header, string name)
    {
        header.Append(header.Length == 0 ? "\"" : ", \"");
        foreach (var c in name)
        {
            _ = c switch
            {
                '"' or '\\' => header.Append('\\').Append(c),
                >= ' ' and <= '~' => header.Append(c),
                _ => header.Append('?'),
            };
        }

        return header.Append('"');
    }
}
