using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace GrainLimiter.Silo.Fronts;

/// <summary>Readiness (<c>/readyz</c>, <c>grpc.health.v1</c>): ready while the silo runs, not ready from the moment shutdown begins,
/// so probes and gateways move traffic away before the silo stops listening.</summary>
internal sealed class StoppingReadinessCheck(IHostApplicationLifetime lifetime) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResult.Unhealthy("shutting down")
            : HealthCheckResult.Healthy("running"));
}
