namespace GrainLimiter.Config;

/// <summary>Finds the word a person most likely meant when they misspelled one: "did you mean 'limits'?".</summary>
public static class Suggestion
{
    /// <summary>The closest of <paramref name="candidates"/> to <paramref name="written"/>, or null when none is close.</summary>
    /// <remarks>Close: same letters ignoring case, or at most two edits and fewer than half the written word's letters.</remarks>
    public static string? Closest(string written, IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(written);
        ArgumentNullException.ThrowIfNull(candidates);
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            var distance = Distance(written.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance)
            {
                (best, bestDistance) = (candidate, distance);
            }
        }

        return best is not null && bestDistance <= 2 && bestDistance * 2 < Math.Max(written.Length, 2) ? best : null;
    }

    /// <summary><c>; did you mean 'x'?</c> when one candidate is close, otherwise empty.</summary>
    public static string DidYouMean(string written, IEnumerable<string> candidates) =>
        Closest(written, candidates) is { } close ? $"; did you mean '{close}'?" : "";

    /// <summary>The end of a sentence about a wrong value: <c>; did you mean 'x'?</c> when one candidate is close, otherwise <c>.</c>.</summary>
    public static string EndWithDidYouMean(string? written, IEnumerable<string> candidates) =>
        written is not null && Closest(written, candidates) is { } close ? $"; did you mean '{close}'?" : ".";

    /// <summary>Levenshtein distance (insert, delete, substitute), two rows of memory. Inputs are short field names.</summary>
    private static int Distance(string a, string b)
    {
        if (a.Length > 64 || b.Length > 64)
        {
            return int.MaxValue; // nobody misspells a field name that long
        }

        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitute, Math.Min(previous[j], current[j - 1]) + 1);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }
}
