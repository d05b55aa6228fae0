using GrainLimiter.Client.Decisions;
using Microsoft.AspNetCore.Http;

namespace GrainLimiter.Client.AspNetCore.RateLimiting;

/// <summary>Turns rules into the checks of one request and asks the cluster for all of them at once (all or nothing).</summary>
internal static class RequestChecks
{
    private static readonly ClusterCheckOutcome NothingToCheck = new(true, []);

    public static async ValueTask<ClusterCheckOutcome> DecideAsync(GrainLimiterClient client, IReadOnlyList<LimitRule> rules, HttpContext context, long cost,
        CancellationToken cancellationToken)
    {
        if (rules.Count == 1)
        {
            // The common case: one rule, one key, no list.
            var rule = rules[0];
            if (rule.Policy(context) is not { } policy || rule.Key(context) is not { } key)
            {
                return NothingToCheck;
            }

            var decision = await client.CheckAsync(policy, key, cost, cancellationToken).ConfigureAwait(false);
            return new ClusterCheckOutcome(decision.Allowed, [decision]);
        }

        var checks = new List<LimitCheck>(rules.Count);
        foreach (var rule in rules)
        {
            if (rule.Policy(context) is { } policy && rule.Key(context) is { } key)
            {
                checks.Add(new LimitCheck(policy, key, cost));
            }
        }

        return checks.Count == 0 ? NothingToCheck : await client.CheckAsync(checks, cancellationToken).ConfigureAwait(false);
    }
}
