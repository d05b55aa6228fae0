using System.Threading.RateLimiting;
using GrainLimiter.Client.AspNetCore.Outcomes;
using GrainLimiter.Client.Decisions;
using Microsoft.AspNetCore.Http;

namespace GrainLimiter.Client.AspNetCore.RateLimiting;

/// <summary>A distributed <see cref="PartitionedRateLimiter{HttpContext}"/>: each rule maps the request to a cluster key, and the
/// cluster decides all of them at once. Use it as <c>RateLimiterOptions.GlobalLimiter</c>.</summary>
/// <remarks><para><see cref="PartitionedRateLimiter{TResource}.AttemptAcquire"/> cannot ask the cluster synchronously: it answers
/// "not acquired" without charging, and ASP.NET Core's middleware then calls <c>AcquireAsync</c>, which decides.</para>
/// <para>A request admitted by a decision that asks for it (an adaptive policy) reports its outcome when its response completes:
/// the final status (5xx, an unhandled exception's 500 included, is a failure) and the time since the decision, timed on
/// <paramref name="time"/>.</para></remarks>
public sealed class GrainLimiterPartitionedRateLimiter(GrainLimiterClient client, IReadOnlyList<LimitRule> rules, TimeProvider? time = null)
    : PartitionedRateLimiter<HttpContext>
{
    private readonly TimeProvider _time = time ?? TimeProvider.System;

    /// <summary>Report the outcomes of admitted requests that their decisions ask for; on by default.</summary>
    public bool ReportOutcomes { get; init; } = true;

    /// <summary>Statistics live in the cluster; none are kept here.</summary>
    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) => ClusterLease.Undecided;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        var outcome = await RequestChecks.DecideAsync(client, rules, resource, permitCount, cancellationToken).ConfigureAwait(false);
        if (outcome.Allowed && ReportOutcomes && AdmittedRequestOutcome.IsAsked(outcome))
        {
            // The lease is released before an unhandled exception becomes a 500; the completed response has the final status.
            var report = new PendingReport(client, outcome, resource, _time, _time.GetTimestamp());
            resource.Response.OnCompleted(static state => ((PendingReport)state).ReportAsync(), report);
        }

        return new ClusterLease(outcome);
    }

    private sealed class PendingReport(GrainLimiterClient client, ClusterCheckOutcome outcome, HttpContext context, TimeProvider time, long started)
    {
        public Task ReportAsync() =>
            AdmittedRequestOutcome.ReportAsync(client, outcome, context.Response.StatusCode, failed: false, time.GetElapsedTime(started)).AsTask();
    }
}
