using System.Runtime.InteropServices;
using GrainLimiter.Grains;

namespace GrainLimiter.Silo.Observability.TopKeys;

/// <summary>The cluster's decisions over the last minute: every active silo's summary asked in parallel and summed.</summary>
/// <remarks>
/// Asked on demand (nothing is sent while nobody looks); a silo that does not answer within <see cref="SiloTimeout"/>
/// is left out and counted in <see cref="ClusterSummary.Unanswered"/>.
/// </remarks>
internal sealed class ClusterTop(IClusterMembershipService membership, TopSummaryClient client)
{
    public static readonly TimeSpan SiloTimeout = TimeSpan.FromSeconds(2);

    public async Task<ClusterSummary> SummaryAsync(int maxKeys, CancellationToken cancellationToken)
    {
        var silos = membership.CurrentSnapshot.Members.Values.Where(static m => m.Status == SiloStatus.Active).Select(static m => m.SiloAddress).ToArray();
        var answers = await Task.WhenAll(silos.Select(silo => AskAsync(silo, cancellationToken)));
        var summaries = answers.OfType<TopSummary>().ToArray();

        var policies = new Dictionary<string, (long Allowed, long Denied)>(StringComparer.Ordinal);
        var keys = new Dictionary<(string Policy, string Key), long>();
        foreach (var summary in summaries)
        {
            foreach (var tally in summary.Policies)
            {
                ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(policies, tally.Policy, out _);
                sum = (sum.Allowed + tally.Allowed, sum.Denied + tally.Denied);
            }

            foreach (var key in summary.Keys)
            {
                ref var sum = ref CollectionsMarshal.GetValueRefOrAddDefault(keys, (key.Policy, key.Key), out _);
                sum += key.Denied;
            }
        }

        var merged = new TopSummary(
            (int)HeavyHitters.Window.TotalSeconds,
            [.. policies.OrderBy(static p => p.Key, StringComparer.Ordinal).Select(static p => new PolicyTally(p.Key, p.Value.Allowed, p.Value.Denied))],
            HeavyHitters.Top(keys, maxKeys));
        return new ClusterSummary(merged, summaries.Length, silos.Length - summaries.Length);
    }

    private async Task<TopSummary?> AskAsync(SiloAddress silo, CancellationToken cancellationToken)
    {
        try
        {
            return await client.On(silo).GetSummaryAsync().WaitAsync(SiloTimeout, cancellationToken);
        }
        catch (Exception e) when (e is TimeoutException or SiloUnavailableException or OrleansMessageRejectionException)
        {
            return null; // Leaving or dead: the others still answer.
        }
    }
}

/// <summary>The merged summary, how many silos answered and how many did not.</summary>
internal sealed record ClusterSummary(TopSummary Summary, int Silos, int Unanswered);
