using System.Globalization;

namespace GrainLimiter.Benchmarks.Soak;

/// <summary>
/// One policy of the soak's mix. The audited ones count every admission for the whole run (windows and periods longer
/// than any run, leases off so the grain counts exactly what it admitted), so what a key's grain reports at the end can be
/// compared with what the traffic saw admitted; the others (buckets, GCRA, a sliding window) refill and only add load.
/// All fail closed: a failure-mode answer is a denial with its reason, counted as an error.
/// </summary>
internal sealed record SoakPolicy(string Name, long Limit, bool Audited, string LimitYaml)
{
    public static readonly IReadOnlyList<SoakPolicy> All =
    [
        new("soak-fixed", 1_000_000_000, true, "{ algorithm: fixed_window, limit: 1000000000, window: 3660d }"),
        new("soak-log", 2_000, true, "{ algorithm: sliding_log, limit: 2000, window: 3660d }"),
        new("soak-quota", 1_000_000_000, true, "{ algorithm: quota, limit: 1000000000, period: month }"),
        new("soak-bucket", 20, false, "{ algorithm: token_bucket, limit: 20, window: 1s, burst: 40 }"),
        new("soak-gcra", 20, false, "{ algorithm: gcra, limit: 20, window: 1s }"),
        new("soak-sliding", 100, false, "{ algorithm: sliding_window, limit: 100, window: 1m }"),
    ];

    public static string PoliciesYaml() =>
        "# Written by the soak benchmark.\npolicies:\n" + string.Concat(All.Select(static p => string.Create(CultureInfo.InvariantCulture, $"""
              - name: {p.Name}
                failureMode: closed
                leases: {(p.Audited ? "off" : "auto")}
                limits:
                  - {p.LimitYaml}

            """)));
}
