using GrainLimiter.Decisions;
using GrainLimiter.Grains;

namespace GrainLimiter.Silo.Checks;

/// <summary>Checks that carry a request id: each key's grain remembers the id, so a retry of the check, on this silo or another, is
/// answered as the first attempt was and never charged twice.</summary>
/// <remarks>
/// Such a check is never admitted from this front's lease: a lease's units were charged when it was granted, so the grain would not
/// see the id, and a retry reaching it through another silo would be charged again. A cached denial may answer it (it charges
/// nothing). A denied check is undone by id (<see cref="ILimitGrain.RefundOnceAsync"/>): the first attempt's refund and a retry's
/// credit its charge once between them.
/// </remarks>
public sealed partial class CheckPipeline
{
    // One call per distinct (policy, key), its repeats decided in item order, as without an id.
    private async ValueTask<GrainDecision[]> DecideOnceAsync(IReadOnlyList<CheckRequest> checks, string requestId)
    {
        var repeats = checks.Count == 1 ? null : RepeatedKeys.Find(checks);
        var pending = new ValueTask<GrainDecision[]>[checks.Count];
        for (var i = 0; i < checks.Count; i++)
        {
            if (repeats?.IsRepeat[i] == true)
            {
                continue;
            }

            var costs = new long[repeats?.CountFrom(i) ?? 1];
            for (int item = i, n = 0; item >= 0; item = repeats?.Next[item] ?? -1, n++)
            {
                costs[n] = checks[item].Cost;
            }

            pending[i] = costs.Length == 1 && DeniedHere(checks[i], out var denied)
                ? ValueTask.FromResult<GrainDecision[]>([denied])
                : AcquireOnceAsync(checks[i], requestId, costs);
        }

        var answers = new GrainDecision[checks.Count];
        for (var i = 0; i < checks.Count; i++)
        {
            if (repeats?.IsRepeat[i] == true)
            {
                continue;
            }

            var decided = await pending[i].ConfigureAwait(false);
            for (int item = i, n = 0; item >= 0; item = repeats?.Next[item] ?? -1, n++)
            {
                answers[item] = decided[n];
            }
        }

        return answers;
    }

    private bool DeniedHere(in CheckRequest request, out GrainDecision denied)
    {
        denied = default;
        var compiled = Policy(request.Policy);
        return compiled.LeasesApply && leases.TryDecide(request, compiled, out denied, out _, denialsOnly: true);
    }

    private async ValueTask<GrainDecision[]> AcquireOnceAsync(CheckRequest first, string requestId, long[] costs)
    {
        var compiled = Policy(first.Policy);
        try
        {
            var grain = grains.Get(first.Policy, first.Key);
            return await refused.AwaitAsync(grain.AcquireOnceAsync(requestId, costs), (grain, requestId, costs),
                static s => s.grain.AcquireOnceAsync(s.requestId, s.costs)).ConfigureAwait(false);
        }
        // As without an id: every item of an unreachable key gets its policy's failure mode (charging nothing).
        catch (Exception e)
        {
            var unreachable = Unreachable(compiled, e);
            var answers = new GrainDecision[costs.Length];
            Array.Fill(answers, unreachable);
            return answers;
        }
    }

    // Each key that charged some item is asked once to give back what the id charged it.
    private async ValueTask RefundOnceAsync(IReadOnlyList<CheckRequest> checks, GrainDecision[] answers, string requestId)
    {
        var refunds = new List<Task>();
        var asked = new HashSet<(string Policy, string Key)>();
        for (var i = 0; i < checks.Count; i++)
        {
            if (answers[i].Charged && asked.Add((checks[i].Policy, checks[i].Key)))
            {
                refunds.Add(RefundOnceAsync(checks[i], requestId));
            }
        }

        await Task.WhenAll(refunds).ConfigureAwait(false);
    }

    private async Task RefundOnceAsync(CheckRequest request, string requestId)
    {
        try
        {
            var grain = grains.Get(request.Policy, request.Key);
            await refused.AwaitAsync(RefundOnceAsync(grain, requestId), (grain, requestId), static r => RefundOnceAsync(r.grain, r.requestId))
                .ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The charge stays, as without an id; a retry of the check that reaches the key's grain refunds it.
            Log.RefundFailed(logger, request.Policy, e);
        }
    }

    private static async ValueTask<bool> RefundOnceAsync(ILimitGrain grain, string requestId)
    {
        await grain.RefundOnceAsync(requestId).ConfigureAwait(false);
        return true;
    }
}
