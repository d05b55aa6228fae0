using GrainLimiter.Config.Envoy;
using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using GrainLimiter.Protocol.V1;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Fronts.Envoy;
using Microsoft.Extensions.Options;
using GrainLimiter.Config;
using GrainLimiter.Silo.Fronts.Envoy.Rlqs;
using EnvoyRlqs = Envoy.Service.RateLimitQuota.V3.RateLimitQuotaService;
using EnvoyRls = GrainLimiter.Protocol.Envoy.RateLimit.RateLimitService;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>Wires the gRPC fronts into the silo on Grpc.AspNetCore: <c>grainlimiter.v1.Limiter</c>, Envoy RLS v3, Envoy RLQS,
/// <c>grpc.health.v1.Health</c> (the silo's readiness checks) and server reflection.</summary>
public static class GrpcFrontsExtensions
{
    /// <summary>Registers the gRPC services, the Envoy descriptor configuration and their options.</summary>
    public static IServiceCollection AddGrpcFronts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GrpcFrontOptions>().Bind(configuration.GetSection(GrpcFrontOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GrpcFrontOptions>, GrpcFrontOptionsValidator>();
        services.AddOptions<EnvoyOptions>().Bind(configuration.GetSection(EnvoyOptions.Section));
        services.AddOptions<RlqsOptions>().Bind(configuration.GetSection(RlqsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RlqsOptions>, RlqsOptionsValidator>();
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
            o.Services.Map(RateLimitService.ServiceName, static _ => true);
            o.Services.Map(QuotaStreamService.ServiceName, static _ => true);
        });

        services.AddSingleton(static provider => EnvoyConfigLoader.Load(provider.GetRequiredService<IOptions<EnvoyOptions>>().Value));
        services.AddSingleton<LimiterFront>();
        services.AddSingleton<LimiterService>();
        services.AddSingleton<DescriptorMetrics>();
        services.AddSingleton<RateLimitService>();
        services.AddSingleton<IServiceMethodProvider<LimiterService>>(
            new StrictServiceMethodProvider<LimiterService>(static binder => Limiter.BindService(binder, null)));
        services.AddSingleton<IServiceMethodProvider<RateLimitService>>(
            new StrictServiceMethodProvider<RateLimitService>(static binder => EnvoyRls.BindService(binder, null)));
        services.AddSingleton(static provider => new QuotaBucketDirectory(provider.GetRequiredService<PolicyFile>().QuotaBuckets));
        services.AddSingleton<RlqsMetrics>();
        services.AddSingleton<QuotaStreamService>();
        services.AddSingleton<IServiceMethodProvider<QuotaStreamService>>(
            new StrictServiceMethodProvider<QuotaStreamService>(static binder => EnvoyRlqs.BindService(binder, null)));
        return services;
    }

    /// <summary>Maps the gRPC services; unknown services and methods answer UNIMPLEMENTED.</summary>
    /// <remarks>Loads the Envoy descriptor files now, so an invalid file stops start-up with its problems named.</remarks>
    public static IEndpointRouteBuilder MapGrpcFronts(this IEndpointRouteBuilder endpoints)
    {
        endpoints.ServiceProvider.GetRequiredService<RateLimitService>();
        endpoints.MapGrpcService<LimiterService>().CountBadRequests(BadRequests.Front.Grpc);
        endpoints.MapGrpcService<RateLimitService>().CountBadRequests(BadRequests.Front.Envoy);
        endpoints.ServiceProvider.GetRequiredService<RlqsMetrics>();
        endpoints.MapGrpcService<QuotaStreamService>().CountBadRequests(BadRequests.Front.Envoy);
        endpoints.MapGrpcHealthChecksService();
        endpoints.MapGrpcReflectionService();
        return endpoints;
    }
}
