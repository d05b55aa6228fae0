using System.Runtime.InteropServices;
using GrainLimiter.Adaptive;

namespace GrainLimiter.Silo.Checks;

/// <summary>Reports of outcomes: what adaptive limits learn from.</summary>
/// <remarks>Outcomes are advisory: a grain that cannot be reached loses its key's outcomes (the call answers UNAVAILABLE) and
/// nothing is sent again, not even to the keys that counted theirs, which would then count them twice. A lost report only
/// delays adaptation; an adaptive limit never admits more than its <c>max</c> for want of one.</remarks>
public sealed partial class CheckPipeline
{
    public async ValueTask<ReportResult> ReportAsync(IReadOnlyList<RequestOutcome> outcomes, CancellationToken cancellationToken)
    {
        var tallies = Tally(outcomes);
        if (tallies is null)
        {
            return new ReportResult(0);
        }

        // Start every call before awaiting any: the keys' grains count in parallel on their silos.
        var keys = new (string Policy, OutcomeTally Tally)[tallies.Count];
        var reporting = new ValueTask<KeyReport>[tallies.Count];
        var n = 0;
        foreach (var ((policy, key), tally) in tallies)
        {
            keys[n] = (policy, tally);
            reporting[n++] = ReportOneAsync(policy, key, tally);
        }

        var accepted = 0;
        var unreachable = false;
        var counted = new List<(string Policy, int Successes, int Failures)>(1);
        for (var i = 0; i < keys.Length; i++)
        {
            var report = await reporting[i].ConfigureAwait(false);
            unreachable |= report == KeyReport.Unreachable;
            if (report == KeyReport.Counted)
            {
                accepted += keys[i].Tally.Requests;
                Count(counted, keys[i].Policy, keys[i].Tally);
            }
        }

        foreach (var (policy, successes, failures) in counted)
        {
            metrics.RecordOutcomes(policy, successes, failures);
        }

        return new ReportResult(accepted, unreachable);
    }

    // The outcomes of adaptive policies summed per (policy, key); null when none adapts (nothing to call, nothing allocated).
    // A policy a reload removed since the report was validated adapts no more.
    private Dictionary<(string Policy, string Key), OutcomeTally>? Tally(IReadOnlyList<RequestOutcome> outcomes)
    {
        Dictionary<(string, string), OutcomeTally>? tallies = null;
        foreach (var outcome in outcomes)
        {
            if (!policies.TryGet(outcome.Policy, out var policy) || !policy.IsAdaptive)
            {
                continue;
            }

            tallies ??= [];
            ref var tally = ref CollectionsMarshal.GetValueRefOrAddDefault(tallies, (outcome.Policy, outcome.Key), out _);
            tally = tally.Add(outcome);
        }

        return tallies;
    }

    private async ValueTask<KeyReport> ReportOneAsync(string policy, string key, OutcomeTally tally)
    {
        try
        {
            var grain = grains.Get(policy, key);
            var counted = await refused.AwaitAsync(grain.ReportAsync(tally), (grain, tally), static r => r.grain.ReportAsync(r.tally)).ConfigureAwait(false);
            return counted ? KeyReport.Counted : KeyReport.Ignored;
        }
        // Silo gone, message rejected, call timed out: the caller is told (UNAVAILABLE), these outcomes are lost.
        catch (Exception e)
        {
            LogUnreachable(policy, e);
            return KeyReport.Unreachable;
        }
    }

    // Per policy, for the metric: a report usually names one or two policies, so a list searched from the start serves.
    private static void Count(List<(string Policy, int Successes, int Failures)> counted, string policy, in OutcomeTally tally)
    {
        for (var i = 0; i < counted.Count; i++)
        {
            if (string.Equals(counted[i].Policy, policy, StringComparison.Ordinal))
            {
                counted[i] = (policy, counted[i].Successes + tally.Successes, counted[i].Failures + tally.Failures);
                return;
            }
        }

        counted.Add((policy, tally.Successes, tally.Failures));
    }

    private enum KeyReport
    {
        /// <summary>The key's adaptive limit counted them.</summary>
        Counted,

        /// <summary>The key's grain did not (its policy stopped adapting in a reload, or its store is unavailable).</summary>
        Ignored,

        Unreachable,
    }
}
