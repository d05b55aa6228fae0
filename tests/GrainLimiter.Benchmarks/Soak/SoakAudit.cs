using GrainLimiter.Benchmarks.Traffic;

namespace GrainLimiter.Benchmarks.Soak;

/// <summary>
/// After the run, what each audited key's grain counts (a check of cost 0: its <c>remaining</c>, batched 100 keys a call)
/// against what the traffic saw it admit. Counted below admitted is a count lost; above, a check that charged its grain
/// but whose answer was an error (a front killed mid-call, a timeout). Only keys that admitted something are read.
/// </summary>
internal static class SoakAudit
{
    private const int Batch = 100;
    private const int Attempts = 5;

    public static async Task<IReadOnlyList<AuditResult>> RunAsync(SoakCluster cluster, SoakTraffic traffic, CancellationToken cancellationToken)
    {
        using var checker = new HttpChecker(4);
        var results = new List<AuditResult>();
        for (var p = 0; p < SoakPolicy.All.Count; p++)
        {
            var policy = SoakPolicy.All[p];
            if (!policy.Audited)
            {
                continue;
            }

            var keys = Enumerable.Range(0, traffic.KeyNames.Count).Where(k => traffic.Admitted(p, k) > 0).ToArray();
            long admitted = 0, counted = 0, lost = 0, extra = 0, unread = 0;
            foreach (var chunk in keys.Chunk(Batch))
            {
                var items = await ReadAsync(checker, cluster, policy, chunk.Select(k => traffic.KeyNames[k]).ToArray(), cancellationToken)
                    .ConfigureAwait(false);
                for (var i = 0; i < chunk.Length; i++)
                {
                    var saw = traffic.Admitted(p, chunk[i]);
                    admitted += saw;
                    if (items is null)
                    {
                        unread++;
                        continue;
                    }

                    var used = policy.Limit - items[i].Remaining;
                    counted += used;
                    lost += Math.Max(0, saw - used);
                    extra += Math.Max(0, used - saw);
                }
            }

            results.Add(new AuditResult(policy.Name, keys.Length, admitted, counted, lost, extra, unread));
        }

        return results;
    }

    // A few tries: an answer a failure mode gave (a key whose silo just left) says nothing about its count.
    private static async Task<IReadOnlyList<CheckItem>?> ReadAsync(HttpChecker checker, SoakCluster cluster, SoakPolicy policy, string[] keys,
        CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            try
            {
                var answer = await checker.CheckAsync(cluster.Fronts[attempt % cluster.Fronts.Count].HttpAddress,
                    keys.Select(k => (policy.Name, k, 0L)).ToArray(), cancellationToken).ConfigureAwait(false);
                if (answer.Items.Count == keys.Length && answer.Items.All(static i => i.Reason is null))
                {
                    return answer.Items;
                }
            }
            catch (HttpRequestException)
            {
                // Tried again on the next front.
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false); // time for a key's silo to be found again
        }

        return null;
    }
}

/// <summary>One audited policy: keys read, admissions the traffic saw, what the grains count, counts lost and extra, keys
/// whose count could not be read.</summary>
internal sealed record AuditResult(string Policy, int Keys, long Admitted, long Counted, long Lost, long Extra, long Unread);
