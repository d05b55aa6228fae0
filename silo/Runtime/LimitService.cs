using System.Diagnostics;
using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Runtime.Cluster;
using GrainLimiter.Storage;

namespace GrainLimiter.Silo.Runtime;

/// <summary>Decides checks on the grains of the cluster (local or on their owner): all-or-nothing across keys, shadow mode and failure modes applied.</summary>
public sealed class LimitService(GrainRouter router, PolicyRegistry policies, TimeProvider time, SiloMetrics metrics) : ILimitService
{
    public const string ShadowModeReason = "shadow_mode";
    public const string StoreUnavailableReason = "store_unavailable";

    public async ValueTask<CheckOutcome> CheckAsync(IReadOnlyList<CheckRequest> checks, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var now = time.GetUtcNow().UtcTicks;
        var results = new CheckResult[checks.Count];
        var charged = new bool[checks.Count];
        var denied = false;
        for (var i = 0; i < checks.Count; i++)
        {
            var request = checks[i];
            var policy = Policy(request.Policy);
            // After a denial nothing more is charged; the rest are only evaluated so every item gets an answer.
            var operation = denied ? GrainOperation.Evaluate : GrainOperation.Acquire;
            var (decision, reason) = await RunAsync(policy, request.Key, operation, now, request.Cost).ConfigureAwait(false);
            charged[i] = operation == GrainOperation.Acquire && decision.Allowed && request.Cost > 0;
            if (!decision.Allowed && policy.Definition.ShadowMode)
            {
                (decision, reason) = (decision with { Allowed = true, RetryAfter = TimeSpan.Zero }, ShadowModeReason);
            }

            denied |= !decision.Allowed;
            results[i] = new CheckResult(request, decision, policy.LimitNames[decision.LimitIndex], reason);
        }

        if (denied)
        {
            await RefundAsync(results, charged, now).ConfigureAwait(false);
        }

        metrics.RecordCheck(results, Stopwatch.GetElapsedTime(started));
        return new CheckOutcome(!denied, results);
    }

    public async ValueTask<CheckResult> GetAsync(string policy, string key, CancellationToken cancellationToken) =>
        await OneAsync(policy, key, GrainOperation.Evaluate, cost: 0, leaseId: 0).ConfigureAwait(false);

    public async ValueTask<CheckResult> ReleaseAsync(string policy, string key, long leaseId, CancellationToken cancellationToken) =>
        await OneAsync(policy, key, GrainOperation.Release, cost: 0, leaseId).ConfigureAwait(false);

    public async ValueTask ResetAsync(string policy, string key, CancellationToken cancellationToken) =>
        await OneAsync(policy, key, GrainOperation.Reset, cost: 0, leaseId: 0).ConfigureAwait(false);

    public async ValueTask<CheckResult> PauseAsync(string policy, string key, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var result = await OneAsync(policy, key, GrainOperation.Pause, cost: until.UtcTicks, leaseId: 0).ConfigureAwait(false);
        return result with { Request = new CheckRequest(policy, key, 0) };
    }

    private async ValueTask<CheckResult> OneAsync(string policyName, string key, GrainOperation operation, long cost, long leaseId)
    {
        var policy = Policy(policyName);
        var (decision, reason) = await RunAsync(policy, key, operation, time.GetUtcNow().UtcTicks, cost, leaseId).ConfigureAwait(false);
        return new CheckResult(new CheckRequest(policyName, key, cost), decision, policy.LimitNames[decision.LimitIndex], reason);
    }

    private async ValueTask<(LimitDecision Decision, string? Reason)> RunAsync(CompiledPolicy policy, string key, GrainOperation operation, long now, long cost, long leaseId = 0)
    {
        try
        {
            return await router.RunAsync(new GrainId(policy.Name, key), policy, operation, now, cost, leaseId).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            var limit = policy.Definition.Limits[0].Limit;
            return (new LimitDecision(false, limit, 0, TimeSpan.Zero, TimeSpan.FromSeconds(1)), StoreUnavailableReason);
        }
    }

    private async ValueTask RefundAsync(CheckResult[] results, bool[] charged, long now)
    {
        for (var i = 0; i < results.Length; i++)
        {
            if (charged[i])
            {
                var request = results[i].Request;
                await router.RunAsync(new GrainId(request.Policy, request.Key), Policy(request.Policy), GrainOperation.Refund, now, request.Cost, results[i].Decision.LeaseId)
                    .ConfigureAwait(false);
            }
        }
    }

    private CompiledPolicy Policy(string name) =>
        policies.TryGet(name, out var policy) ? policy : throw new ArgumentException($"Policy '{name}' is not configured; validate checks before deciding.", nameof(name));
}
