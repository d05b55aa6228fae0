using GrainLimiter.Decisions;

namespace GrainLimiter.Silo.Checks;

/// <summary>The items of one check that name the same (policy, key), so each key's grain is called once per check.</summary>
/// <remarks><see cref="Next"/>[i] is the next item with item i's pair (-1 after the last); <see cref="IsRepeat"/>[i] is true
/// when an earlier item has it, so the items without it are each pair's first.</remarks>
internal sealed class RepeatedKeys
{
    // Up to this many items, comparing every pair is cheaper than hashing them.
    private const int PairwiseLimit = 8;

    [ThreadStatic]
    private static Dictionary<(string Policy, string Key), int>? t_lastOfPair;

    private RepeatedKeys(int count)
    {
        Next = new int[count];
        Array.Fill(Next, -1);
        IsRepeat = new bool[count];
    }

    public int[] Next { get; }

    public bool[] IsRepeat { get; }

    /// <summary>How many items share item <paramref name="first"/>'s pair, itself included.</summary>
    public int CountFrom(int first)
    {
        var count = 1;
        for (var i = Next[first]; i >= 0; i = Next[i])
        {
            count++;
        }

        return count;
    }

    /// <summary>The repeats of <paramref name="checks"/>; null when every (policy, key) appears once (the usual case).</summary>
    public static RepeatedKeys? Find(IReadOnlyList<CheckRequest> checks) =>
        checks.Count <= PairwiseLimit ? FindPairwise(checks) : FindHashed(checks);

    private static RepeatedKeys? FindPairwise(IReadOnlyList<CheckRequest> checks)
    {
        RepeatedKeys? repeats = null;
        for (var i = 1; i < checks.Count; i++)
        {
            // The latest earlier item with the same pair is the end of that pair's list so far.
            for (var j = i - 1; j >= 0; j--)
            {
                if (SamePair(checks[i], checks[j]))
                {
                    repeats ??= new RepeatedKeys(checks.Count);
                    repeats.Next[j] = i;
                    repeats.IsRepeat[i] = true;
                    break;
                }
            }
        }

        return repeats;
    }

    private static RepeatedKeys? FindHashed(IReadOnlyList<CheckRequest> checks)
    {
        var lastOfPair = t_lastOfPair ??= new Dictionary<(string, string), int>();
        RepeatedKeys? repeats = null;
        try
        {
            for (var i = 0; i < checks.Count; i++)
            {
                var pair = (checks[i].Policy, checks[i].Key);
                if (lastOfPair.TryGetValue(pair, out var last))
                {
                    repeats ??= new RepeatedKeys(checks.Count);
                    repeats.Next[last] = i;
                    repeats.IsRepeat[i] = true;
                }

                lastOfPair[pair] = i;
            }
        }
        finally
        {
            lastOfPair.Clear();
        }

        return repeats;
    }

    private static bool SamePair(in CheckRequest a, in CheckRequest b) =>
        string.Equals(a.Key, b.Key, StringComparison.Ordinal) && string.Equals(a.Policy, b.Policy, StringComparison.Ordinal);
}
