using Grpc.AspNetCore.HealthChecks;
using Grpc.AspNetCore.Server.Model;
using GrainLimiter.Config;
using GrainLimiter.Silo.Fronts.Envoy.Rlqs;
using GrainLimiter.Silo.Fronts.Grpc;
using GrainLimiter.Silo.Policies;
using Microsoft.Extensions.Options;
using EnvoyRlqs = Envoy.Service.RateLimitQuota.V3.RateLimitQuotaService;
using EnvoyRls = GrainLimiter.Protocol.Envoy.RateLimit.RateLimitService;

namespace GrainLimiter.Silo.Fronts.Envoy;

/// <summary>Wires Envoy's services into the silo: RLS v3 (<see cref="RateLimitService"/>) over the descriptor files, and RLQS
/// (<see cref="QuotaStreamService"/>) over the policy file's quota buckets.</summary>
/// <remarks>Needs the gRPC fronts (<see cref="GrpcFrontsExtensions"/>): Grpc.AspNetCore, its limits and the health service.</remarks>
public static class EnvoyFrontExtensions
{
    /// <summary>Registers the Envoy services, the descriptor configuration, its override policies and their options.</summary>
    public static IServiceCollection AddEnvoyFront(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<EnvoyOptions>().Bind(configuration.GetSection(EnvoyOptions.Section));
        services.AddOptions<RlqsOptions>().Bind(configuration.GetSection(RlqsOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RlqsOptions>, RlqsOptionsValidator>();
        services.Configure<GrpcHealthChecksOptions>(static o =>
        {
            // Both report the silo's readiness, as every gRPC service does.
            o.Services.Map(RateLimitService.ServiceName, static _ => true);
            o.Services.Map(QuotaStreamService.ServiceName, static _ => true);
        });

        services.AddSingleton<IRunTimePolicies, EnvoyOverridePolicies>();
        services.AddSingleton<EnvoyDescriptors>();
        services.AddSingleton<IPolicySource>(static p => p.GetRequiredService<EnvoyDescriptors>());
        services.AddSingleton<DescriptorMetrics>();
        services.AddSingleton<RateLimitService>();
        services.AddSingleton<IServiceMethodProvider<RateLimitService>>(
            new StrictServiceMethodProvider<RateLimitService>(static binder => EnvoyRls.BindService(binder, null)));
        services.AddSingleton(static provider => new QuotaBucketDirectory(provider.GetRequiredService<PolicyFile>().QuotaBuckets));
        services.AddSingleton<IPolicySource>(static p => p.GetRequiredService<QuotaBucketDirectory>());
        services.AddSingleton<RlqsMetrics>();
        services.AddSingleton<QuotaStreamService>();
        services.AddSingleton<IServiceMethodProvider<QuotaStreamService>>(
            new StrictServiceMethodProvider<QuotaStreamService>(static binder => EnvoyRlqs.BindService(binder, null)));
        return services;
    }

    /// <summary>Maps RLS and RLQS; the descriptor files are loaded by then (<see cref="EnvoyDescriptors"/>, resolved at start).</summary>
    public static IEndpointRouteBuilder MapEnvoyFront(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<RateLimitService>().CountBadRequests(BadRequests.Front.Envoy);
        endpoints.ServiceProvider.GetRequiredService<RlqsMetrics>();
        endpoints.MapGrpcService<QuotaStreamService>().CountBadRequests(BadRequests.Front.Envoy);
        return endpoints;
    }
}
