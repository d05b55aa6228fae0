using System.Globalization;
using System.Text.RegularExpressions;

namespace GrainLimiter.Config;

/// <summary>Parses the durations configuration files use: <c>250ms</c>, <c>1s</c>, <c>1m</c>, <c>1h</c>, <c>1d</c>, <c>1w</c>.</summary>
public static partial class DurationParser
{
    public static bool TryParse(string? text, out TimeSpan duration)
    {
        duration = default;
        var match = text is null ? Match.Empty : Pattern().Match(text.Trim());
        if (!match.Success || !long.TryParse(match.Groups[1].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        var unit = match.Groups[2].Value switch
        {
            "ms" => TimeSpan.FromMilliseconds(1),
            "s" => TimeSpan.FromSeconds(1),
            "m" => TimeSpan.FromMinutes(1),
            "h" => TimeSpan.FromHours(1),
            "d" => TimeSpan.FromDays(1),
            _ => TimeSpan.FromDays(7),
        };

        // Bounded well below TimeSpan's range so window arithmetic on tick timestamps cannot overflow.
        if (amount > TimeSpan.FromDays(3660).Ticks / unit.Ticks)
        {
            return false;
        }

        duration = TimeSpan.FromTicks(amount * unit.Ticks);
        return duration > TimeSpan.Zero;
    }

    [GeneratedRegex("^([0-9]{1,12})(ms|s|m|h|d|w)$")]
    private static partial Regex Pattern();
}
