using System.Text;
using Envoy.Service.RateLimitQuota.V3;

namespace GrainLimiter.Silo.Fronts.Envoy.Rlqs;

/// <summary>The key of a bucket's grain: its domain and its id's entries in key order (the order Envoy sends them in does not matter).</summary>
internal static class RlqsBucketKey
{
    public static string Of(string domain, IEnumerable<KeyValuePair<string, string>> bucketId)
    {
        var builder = EnvoyKeys.Append(new StringBuilder(), domain);
        foreach (var (key, value) in bucketId.OrderBy(static e => e.Key, StringComparer.Ordinal))
        {
            EnvoyKeys.AppendEntry(builder, key, value);
        }

        return builder.ToString();
    }

    /// <summary>What is wrong with a bucket id, or null: entries between 1 and the bound, keys and values not empty, the key within its bytes.</summary>
    public static string? Problem(string domain, IReadOnlyDictionary<string, string>? bucketId, RlqsOptions options, out string key)
    {
        key = "";
        if (bucketId is null || bucketId.Count == 0 || bucketId.Count > options.MaxBucketIdEntries)
        {
            return $"has {bucketId?.Count ?? 0} entries; between 1 and {options.MaxBucketIdEntries} are allowed.";
        }

        if (bucketId.Any(static e => e.Key.Length == 0 || e.Value.Length == 0))
        {
            return "has an empty key or value; both must be set.";
        }

        key = Of(domain, bucketId);
        var bytes = Encoding.UTF8.GetByteCount(key);
        return bytes > options.MaxBucketIdBytes
            ? $"makes a {bytes}-byte key (domain and every key and value); at most {options.MaxBucketIdBytes} bytes are allowed."
            : null;
    }

    public static IReadOnlyDictionary<string, string> Entries(BucketId id) => id.Bucket;
}
