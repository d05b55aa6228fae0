using System.Globalization;

namespace GrainLimiter.Grains;

/// <summary>The grain key of a (policy, key): <c>{UTF-16 length of policy}:{policy}{key}</c>.</summary>
/// <remarks>
/// Length-prefixed rather than joined by a separator, so any characters may appear in a policy or a key and two
/// different pairs never share a grain ("a:b" + "c" and "a" + "b:c" differ in their prefix).
/// </remarks>
public static class LimitGrainKey
{
    /// <summary>The grain key of <paramref name="key"/> under <paramref name="policy"/>.</summary>
    public static string Encode(string policy, string key)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(key);
        return string.Create(CultureInfo.InvariantCulture, $"{policy.Length}:{policy}{key}");
    }

    /// <summary>Splits a grain key made by <see cref="Encode"/> back into its policy and key.</summary>
    /// <exception cref="FormatException">The text is not such a grain key.</exception>
    public static (string Policy, string Key) Decode(string grainKey) =>
        TryDecode(grainKey, out var policy, out var key)
            ? (policy, key)
            : throw new FormatException($"'{grainKey}' is not a limit grain key ('<policy length>:<policy><key>').");

    /// <summary>Splits a grain key made by <see cref="Encode"/>; false when <paramref name="grainKey"/> is not one.</summary>
    public static bool TryDecode(string? grainKey, out string policy, out string key)
    {
        policy = key = "";
        var colon = grainKey?.IndexOf(':') ?? -1;
        if (colon is <= 0 or > 9
            || !int.TryParse(grainKey.AsSpan(0, colon), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
            || length > grainKey!.Length - colon - 1
            || (colon > 1 && grainKey[0] == '0'))
        {
            return false;
        }

        policy = grainKey.Substring(colon + 1, length);
        key = grainKey[(colon + 1 + length)..];
        return true;
    }
}
