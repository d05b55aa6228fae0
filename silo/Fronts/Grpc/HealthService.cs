using GrainLimiter.Grpc;
using GrainLimiter.Protocol.Health;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary><c>grpc.health.v1.Health/Check</c>, as probed by Kubernetes (grpc probes) and gateways.</summary>
/// <remarks>SERVING while the silo runs, NOT_SERVING once shutdown began (so traffic drains first);
/// NOT_FOUND for a service this silo does not serve. <c>Watch</c> (server streaming) is not offered: UNIMPLEMENTED.</remarks>
internal sealed class HealthService(IHostApplicationLifetime lifetime, IServiceProvider services) : IGrpcService
{
    public const string ServiceName = "grpc.health.v1.Health";

    public IEnumerable<GrpcMethod> Methods() =>
        [GrpcMethodTable.Unary<HealthCheckRequest, HealthCheckResponse>(ServiceName, "Check", HealthCheckRequest.Parser, CheckAsync)];

    public ValueTask<HealthCheckResponse> CheckAsync(HealthCheckRequest request, CancellationToken cancellationToken)
    {
        // The table is resolved lazily: it is built from the services, this one included.
        if (request.Service.Length > 0 && !services.GetRequiredService<GrpcMethodTable>().ServiceNames.Contains(request.Service))
        {
            throw new GrpcStatusException(GrpcStatusCode.NotFound, $"service '{(request.Service.Length <= 128 ? request.Service : request.Service[..128])}' is not served here.");
        }

        var status = lifetime.ApplicationStopping.IsCancellationRequested
            ? HealthCheckResponse.Types.ServingStatus.NotServing
            : HealthCheckResponse.Types.ServingStatus.Serving;
        return ValueTask.FromResult(new HealthCheckResponse { Status = status });
    }
}
