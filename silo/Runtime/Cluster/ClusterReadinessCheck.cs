using GrainLimiter.Silo.Runtime.Cluster.Membership;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GrainLimiter.Silo.Runtime.Cluster;

/// <summary>Readiness (<c>/readyz</c>): ready once this silo has joined, not ready again from the moment it starts leaving.</summary>
/// <remarks>Kubernetes stops routing to a pod that is not ready, so callers move away before the silo stops listening.</remarks>
public sealed class ClusterReadinessCheck(ClusterMembership membership) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(membership.IsServing
            ? HealthCheckResult.Healthy($"member of a cluster of {membership.View.Members.Count}")
            : HealthCheckResult.Unhealthy("joining or leaving the cluster"));
}
