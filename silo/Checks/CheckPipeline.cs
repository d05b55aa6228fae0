using System.Diagnostics;
using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Leases;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Cluster;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Observability.TopKeys;
using GrainLimiter.Silo.Policies;

namespace GrainLimiter.Silo.Checks;

/// <summary>Decides checks on the limit grains of the cluster: all-or-nothing across keys, failure modes applied.</summary>
/// <remarks>
/// The grains of a check are called in parallel, wherever they live, once per distinct (policy, key): a key named
/// several times is decided in item order, from this silo's lease while it lasts, the rest in one call. When any item is denied, the ones that charged are
/// refunded (in parallel too). Shadow mode and store failures are answered by the grains themselves. A call that failed
/// unrun, as calls to a leaving silo's keys do, is sent again (<see cref="RefusedCalls"/>). A grain that cannot be reached (its silo crashed, the
/// call timed out) is answered by the policy's failure mode with reason <see cref="DecisionReasons.OwnerUnreachable"/>, and so is every check
/// of a silo that stalled and may have been declared dead meanwhile (<see cref="StallFence"/>); one Orleans refused as
/// overloaded, with reason <see cref="DecisionReasons.Overloaded"/>.
/// </remarks>
public sealed partial class CheckPipeline(GrainReferenceCache grains, PolicyRegistry policies, SiloMetrics metrics, HeavyHitters heavyHitters,
    LeaseHolder leases, RefusedCalls refused, StallFence fence, ILogger<CheckPipeline> logger) : ICheckPipeline
{
    private static readonly InvalidOperationException NotKnownAlive = new(StallFence.NotKnownAlive);
    private readonly LogThrottle _unreachableLog = new();

    public ValueTask<CheckOutcome> CheckAsync(IReadOnlyList<CheckRequest> checks, CancellationToken cancellationToken) =>
        CheckAsync(checks, requestId: null, cancellationToken);

    public async ValueTask<CheckOutcome> CheckAsync(IReadOnlyList<CheckRequest> checks, string? requestId, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        if (!fence.Open && !await fence.ConfirmAsync().ConfigureAwait(false))
        {
            return Fenced(checks, started);
        }

        var answers = new GrainDecision[checks.Count];
        // Lease units taken by items decided here: put back, not refunded to a grain, when another item is denied.
        HeldLease?[]? taken = null;
        if (requestId is not null)
        {
            answers = await DecideOnceAsync(checks, requestId).ConfigureAwait(false);
        }
        else if (checks.Count == 1)
        {
            answers[0] = await DecideAsync(checks[0], out _).ConfigureAwait(false);
        }
        else if (RepeatedKeys.Find(checks) is { } repeats)
        {
            taken = new HeldLease?[checks.Count];
            await AcquireGroupedAsync(checks, repeats, answers, taken).ConfigureAwait(false);
        }
        else
        {
            // Start every call before awaiting any: the grains decide in parallel on their silos.
            var pending = new ValueTask<GrainDecision>[checks.Count];
            taken = new HeldLease?[checks.Count];
            for (var i = 0; i < checks.Count; i++)
            {
                pending[i] = DecideAsync(checks[i], out taken[i]);
            }

            for (var i = 0; i < checks.Count; i++)
            {
                answers[i] = await pending[i].ConfigureAwait(false);
            }
        }

        // A silo that stopped while the grains decided may have been declared dead meanwhile: answers from a lease taken here or
        // from its own activations may come from counts the keys' new owners never see. They are dropped, not refunded; what a
        // live owner elsewhere charged stays charged (denying too much is the safe side).
        if (!fence.Open && !await fence.ConfirmAsync().ConfigureAwait(false))
        {
            return Fenced(checks, started);
        }

        var allowed = true;
        var results = new CheckResult[checks.Count];
        for (var i = 0; i < checks.Count; i++)
        {
            var answer = answers[i];
            allowed &= answer.Decision.Allowed;
            results[i] = new CheckResult(checks[i], answer.Decision, answer.LimitName, answer.Reason, answer.Limits, ReportsOutcome(checks[i].Policy));
        }

        if (!allowed)
        {
            await (requestId is null ? RefundAsync(checks, answers, taken) : RefundOnceAsync(checks, answers, requestId)).ConfigureAwait(false);
        }

        metrics.RecordCheck(results, Stopwatch.GetElapsedTime(started));
        heavyHitters.Record(results);
        return new CheckOutcome(allowed, results);
    }

    public async ValueTask<LeasedCheck> CheckLeasedAsync(CheckRequest check, LeaseAsk ask, CancellationToken cancellationToken)
    {
        var compiled = Policy(check.Policy);
        if (!compiled.LeasesApply || check.Cost <= 0)
        {
            return new LeasedCheck(await CheckAsync([check], cancellationToken).ConfigureAwait(false), null, TimeSpan.Zero, Leasable: compiled.LeasesApply);
        }

        var started = Stopwatch.GetTimestamp();
        if (!fence.Open && !await fence.ConfirmAsync().ConfigureAwait(false))
        {
            return new LeasedCheck(Fenced([check], started), null, TimeSpan.Zero);
        }

        LeasedDecision answer;
        try
        {
            var grain = grains.Get(check.Policy, check.Key);
            answer = await refused.AwaitAsync(grain.AcquireLeasedAsync(check.Cost, ask), (grain, check.Cost, ask),
                    static r => r.grain.AcquireLeasedAsync(r.Cost, r.ask))
                .ConfigureAwait(false);
        }
        catch (Exception e)
        {
            answer = new LeasedDecision(Unreachable(compiled, e));
        }

        // As in CheckAsync: a stall while the grain decided drops its answer and its lease.
        if (!fence.Open && !await fence.ConfirmAsync().ConfigureAwait(false))
        {
            return new LeasedCheck(Fenced([check], started), null, TimeSpan.Zero);
        }

        CheckResult[] results = [Result(check.Policy, check.Key, check.Cost, answer.Decision)];
        metrics.RecordCheck(results, Stopwatch.GetElapsedTime(started));
        heavyHitters.Record(results);
        return new LeasedCheck(new CheckOutcome(results[0].Decision.Allowed, results), answer.Lease, answer.CacheDenialFor);
    }

    // Every check answered by its policy's failure mode, as if its grain were unreachable: this silo may be dead and its keys owned elsewhere.
    private CheckOutcome Fenced(IReadOnlyList<CheckRequest> checks, long started)
    {
        var allowed = true;
        var results = new CheckResult[checks.Count];
        for (var i = 0; i < checks.Count; i++)
        {
            var answer = Unreachable(Policy(checks[i].Policy), NotKnownAlive);
            allowed &= answer.Decision.Allowed;
            results[i] = new CheckResult(checks[i], answer.Decision, answer.LimitName, answer.Reason, answer.Limits, ReportsOutcome(checks[i].Policy));
        }

        metrics.RecordCheck(results, Stopwatch.GetElapsedTime(started));
        return new CheckOutcome(allowed, results);
    }

    // One call per distinct (policy, key): a key's repeats are decided in item order in one turn of its grain; a key named once may be
    // decided here from its lease.
    private async ValueTask AcquireGroupedAsync(IReadOnlyList<CheckRequest> checks, RepeatedKeys repeats, GrainDecision[] answers, HeldLease?[] taken)
    {
        var single = new ValueTask<GrainDecision>[checks.Count];
        var grouped = new ValueTask<GrainDecision[]>[checks.Count];
        for (var i = 0; i < checks.Count; i++)
        {
            if (repeats.IsRepeat[i])
            {
                continue;
            }

            if (repeats.Next[i] < 0)
            {
                single[i] = DecideAsync(checks[i], out taken[i]);
                continue;
            }

            grouped[i] = DecideRepeatsAsync(checks, i, repeats, taken);
        }

        for (var i = 0; i < checks.Count; i++)
        {
            if (repeats.IsRepeat[i])
            {
                continue;
            }

            if (repeats.Next[i] < 0)
            {
                answers[i] = await single[i].ConfigureAwait(false);
                continue;
            }

            var decided = await grouped[i].ConfigureAwait(false);
            for (int item = i, n = 0; item >= 0; item = repeats.Next[item], n++)
            {
                answers[item] = decided[n];
            }
        }
    }

    // A key's repeats, in item order: from its lease while it lasts; the rest by its grain, as one holder's ask of their summed
    // cost once the key is hot here (so a key every batch repeats is leased too), else item by item. Summing is exact because a
    // check is all or nothing and a leasable limit charges counts: the sum is admitted exactly when every item would be.
    private ValueTask<GrainDecision[]> DecideRepeatsAsync(IReadOnlyList<CheckRequest> checks, int first, RepeatedKeys repeats, HeldLease?[] taken)
    {
        var items = new int[repeats.CountFrom(first)];
        for (int item = first, n = 0; item >= 0; item = repeats.Next[item], n++)
        {
            items[n] = item;
        }

        var compiled = Policy(checks[first].Policy);
        if (!compiled.LeasesApply)
        {
            return AcquireManyAsync(checks[first], CostsOf(checks, items));
        }

        var answers = new GrainDecision[items.Length];
        var decided = 0;
        while (decided < items.Length && leases.TryDecide(checks[items[decided]], compiled, out answers[decided], out taken[items[decided]]))
        {
            // A cached denial denies the whole check: the items after it are not charged anywhere.
            if (!answers[decided].Decision.Allowed)
            {
                Array.Fill(answers, answers[decided], decided, items.Length - decided);
                return ValueTask.FromResult(answers);
            }

            decided++;
        }

        if (decided == items.Length)
        {
            return ValueTask.FromResult(answers);
        }

        var rest = items[decided..];
        var restCosts = CostsOf(checks, rest);
        var together = checks[first] with { Cost = SaturatingSum(restCosts) };
        return leases.ShouldAsk(together, compiled)
            ? AskForRestAsync(answers, decided, together, compiled)
            : AcquireRestAsync(answers, decided, checks[first], restCosts);
    }

    private async ValueTask<GrainDecision[]> AskForRestAsync(GrainDecision[] answers, int decided, CheckRequest together, CompiledPolicy compiled)
    {
        var answer = await CallAsync(together.Policy, together.Key, (leases, together, compiled),
            static (g, ask) => ask.leases.AskAsync(g, ask.together, ask.compiled)).ConfigureAwait(false);
        Array.Fill(answers, answer, decided, answers.Length - decided);
        return answers;
    }

    private async ValueTask<GrainDecision[]> AcquireRestAsync(GrainDecision[] answers, int decided, CheckRequest first, long[] restCosts)
    {
        var rest = await AcquireManyAsync(first, restCosts).ConfigureAwait(false);
        rest.CopyTo(answers, decided);
        return answers;
    }

    // MaxCost may be set high enough for a sum of items to overflow; past long.MaxValue no limit admits it anyway.
    private static long SaturatingSum(long[] costs)
    {
        long sum = 0;
        foreach (var cost in costs)
        {
            sum = cost > long.MaxValue - sum ? long.MaxValue : sum + cost;
        }

        return sum;
    }

    private static long[] CostsOf(IReadOnlyList<CheckRequest> checks, int[] items)
    {
        var costs = new long[items.Length];
        for (var n = 0; n < items.Length; n++)
        {
            costs[n] = checks[items[n]].Cost;
        }

        return costs;
    }

    private async ValueTask<GrainDecision[]> AcquireManyAsync(CheckRequest first, long[] costs)
    {
        var compiled = Policy(first.Policy);
        try
        {
            var grain = grains.Get(first.Policy, first.Key);
            return await refused.AwaitAsync(grain.AcquireManyAsync(costs), (grain, costs), static s => s.grain.AcquireManyAsync(s.costs)).ConfigureAwait(false);
        }
        // As for one item: every repeat of an unreachable key gets its policy's failure mode.
        catch (Exception e)
        {
            var unreachable = Unreachable(compiled, e);
            var answers = new GrainDecision[costs.Length];
            Array.Fill(answers, unreachable);
            return answers;
        }
    }

    public async ValueTask<CheckResult> GetAsync(string policy, string key, CancellationToken cancellationToken) =>
        Result(policy, key, 0, await CallAsync(policy, key, static g => g.EvaluateAsync(0)).ConfigureAwait(false));

    public async ValueTask<CheckResult> ReleaseAsync(string policy, string key, long leaseId, CancellationToken cancellationToken) =>
        Result(policy, key, 0, await CallAsync(policy, key, g => g.ReleaseAsync(leaseId)).ConfigureAwait(false));

    public async ValueTask ResetAsync(string policy, string key, CancellationToken cancellationToken) =>
        await CallAsync(policy, key, static g => g.ResetAsync()).ConfigureAwait(false);

    public async ValueTask<CheckResult> PauseAsync(string policy, string key, DateTimeOffset until, CancellationToken cancellationToken) =>
        Result(policy, key, 0, await CallAsync(policy, key, g => g.PauseAsync(until)).ConfigureAwait(false));

    private CheckResult Result(string policy, string key, long cost, in GrainDecision answer) =>
        new(new CheckRequest(policy, key, cost), answer.Decision, answer.LimitName, answer.Reason, answer.Limits, ReportsOutcome(policy));

    // Every decision of an adaptive policy asks its caller to report how the request fared. A policy a reload removed meanwhile
    // asks for nothing (its grains answer from the definition they hold).
    private bool ReportsOutcome(string policy) => policies.TryGet(policy, out var compiled) && compiled.IsAdaptive;

    // A hot key is decided here from its lease or cached denial, without an Orleans call; otherwise its grain decides, and may
    // lease units of it to this silo (LeaseHolder).
    private ValueTask<GrainDecision> DecideAsync(CheckRequest request, out HeldLease? taken)
    {
        taken = null;
        var compiled = Policy(request.Policy);
        if (!compiled.LeasesApply)
        {
            return AcquireAsync(request);
        }

        if (leases.TryDecide(request, compiled, out var answer, out taken))
        {
            return ValueTask.FromResult(answer);
        }

        return leases.ShouldAsk(request, compiled)
            ? CallAsync(request.Policy, request.Key, (leases, request, compiled), static (g, ask) => ask.leases.AskAsync(g, ask.request, ask.compiled))
            : AcquireAsync(request);
    }

    private ValueTask<GrainDecision> AcquireAsync(CheckRequest request) =>
        CallAsync(request.Policy, request.Key, request.Cost, static (g, cost) => g.AcquireAsync(cost));

    private ValueTask<GrainDecision> CallAsync(string policy, string key, Func<ILimitGrain, ValueTask<GrainDecision>> call) =>
        CallAsync(policy, key, call, static (g, c) => c(g));

    private ValueTask<GrainDecision> CallAsync<TArg>(string policy, string key, TArg arg, Func<ILimitGrain, TArg, ValueTask<GrainDecision>> call)
    {
        var compiled = Policy(policy);
        try
        {
            var grain = grains.Get(policy, key);
            var answer = call(grain, arg);
            return answer.IsCompletedSuccessfully ? answer : AwaitAsync(answer, compiled, (grain, arg, call));
        }
        // Silo gone, message rejected, call timed out, activation failed: never a 500 for the caller.
        catch (Exception e)
        {
            return ValueTask.FromResult(Unreachable(compiled, e));
        }
    }

    private async ValueTask<GrainDecision> AwaitAsync<TArg>(ValueTask<GrainDecision> answer, CompiledPolicy policy,
        (ILimitGrain Grain, TArg Arg, Func<ILimitGrain, TArg, ValueTask<GrainDecision>> Call) resend)
    {
        try
        {
            return await refused.AwaitAsync(answer, resend, static r => r.Call(r.Grain, r.Arg)).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return Unreachable(policy, e);
        }
    }

    private async ValueTask RefundAsync(IReadOnlyList<CheckRequest> checks, GrainDecision[] answers, HeldLease?[]? taken)
    {
        var refunds = new List<Task>();
        for (var i = 0; i < checks.Count; i++)
        {
            if (taken?[i] is { } lease)
            {
                // Back into the lease it came from; a lease closed meanwhile loses them (under-admission, never over).
                lease.PutBack(checks[i].Cost);
            }
            else if (answers[i].Charged)
            {
                var request = checks[i];
                refunds.Add(RefundOneAsync(request, answers[i].Decision.LeaseId));
            }
        }

        await Task.WhenAll(refunds).ConfigureAwait(false);
    }

    private async Task RefundOneAsync(CheckRequest request, long leaseId)
    {
        try
        {
            var grain = grains.Get(request.Policy, request.Key);
            await refused.AwaitAsync(RefundAsync(grain, request.Cost, leaseId), (grain, request.Cost, leaseId),
                    static r => RefundAsync(r.grain, r.Cost, r.leaseId))
                .ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The charge stays: its grain is gone or unreachable; the next owner restores the last written state.
            Log.RefundFailed(logger, request.Policy, e);
        }
    }

    private static async ValueTask<bool> RefundAsync(ILimitGrain grain, long cost, long leaseId)
    {
        await grain.RefundAsync(cost, leaseId).ConfigureAwait(false);
        return true;
    }

    private GrainDecision Unreachable(CompiledPolicy policy, Exception e)
    {
        // Orleans refused the call, not the key's silo failing: the fronts shed the check (Overload.CheckAdmission).
        var overloaded = e is LimitExceededException or GatewayTooBusyException;
        if (!overloaded)
        {
            LogUnreachable(policy.Name, e);
        }

        var decision = policy.FailureDecision(allowed: policy.Definition.FailureMode == FailureMode.Open);
        return new GrainDecision(decision, policy.LimitNames[0], overloaded ? DecisionReasons.Overloaded : DecisionReasons.OwnerUnreachable);
    }

    private void LogUnreachable(string policy, Exception e)
    {
        // A crash makes every call to its keys fail at once: log the first, then at most one line per interval.
        if (_unreachableLog.ShouldLog())
        {
            Log.Unreachable(logger, policy, e);
        }
    }

    private CompiledPolicy Policy(string name) =>
        policies.TryGet(name, out var policy)
            ? policy
            : throw new ArgumentException($"Policy '{name}' is not configured; validate checks before deciding.", nameof(name));

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "A '{Policy}' key could not be reached; its policy's failure mode answered, or its reported outcomes "
            + "were lost (further such lines within 10 s are not logged).")]
        public static partial void Unreachable(ILogger logger, string policy, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "Refunding a '{Policy}' key failed; its charge stays.")]
        public static partial void RefundFailed(ILogger logger, string policy, Exception exception);
    }
}
