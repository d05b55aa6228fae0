using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using GrainLimiter.Protocol.V1;
using GrainLimiter.Silo.Config;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>Wires gRPC into the silo on Grpc.AspNetCore: <c>grainlimiter.v1.Limiter</c>, <c>grpc.health.v1.Health</c> (the
/// silo's readiness checks), server reflection, and the limits every gRPC service shares (Envoy's too:
/// <see cref="Envoy.EnvoyFrontExtensions"/>).</summary>
public static class GrpcFrontsExtensions
{
    /// <summary>Registers the gRPC services and their options.</summary>
    public static IServiceCollection AddGrpcFronts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GrpcFrontOptions>().Bind(configuration.GetSection(GrpcFrontOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GrpcFrontOptions>, GrpcFrontOptionsValidator>();
        services.AddGrpc();
        GrpcCallHandlerLogging.Install(services);
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<SiloOptions>, IOptions<GrpcFrontOptions>>(static (grpc, silo, front) =>
        {
            // The same bound as the HTTP front's body; Grpc.AspNetCore applies it after gzip inflation too.
            grpc.MaxReceiveMessageSize = silo.Value.MaxRequestBodyBytes;
            grpc.ResponseCompressionAlgorithm = front.Value.GzipResponses ? "gzip" : null;
        });
        services.AddGrpcReflection();
        services.AddGrpcHealthChecks(static o =>
        {
            // Every service reports the silo's readiness (all health checks, as /readyz); other names are NOT_FOUND.
            o.Services.Map(LimiterService.ServiceName, static _ => true);
        });

        services.AddSingleton<LimiterFront>();
        services.AddSingleton<LimiterService>();
        services.AddSingleton<IServiceMethodProvider<LimiterService>>(
            new StrictServiceMethodProvider<LimiterService>(static binder => Limiter.BindService(binder, null)));
        return services;
    }

    /// <summary>Maps the gRPC services; unknown services and methods answer UNIMPLEMENTED.</summary>
    public static IEndpointRouteBuilder MapGrpcFronts(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<LimiterService>().CountBadRequests(BadRequests.Front.Grpc);
        endpoints.MapGrpcHealthChecksService();
        endpoints.MapGrpcReflectionService();
        return endpoints;
    }
}
