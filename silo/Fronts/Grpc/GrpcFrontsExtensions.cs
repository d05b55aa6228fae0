using GrainLimiter.Silo.Fronts.Envoy;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>Wires the gRPC fronts into the silo: <c>grainlimiter.v1.Limiter</c>, Envoy RLS v3 and <c>grpc.health.v1.Health</c>.</summary>
public static class GrpcFrontsExtensions
{
    /// <summary>Registers the gRPC services, the Envoy descriptor configuration and their options.</summary>
    public static IServiceCollection AddGrpcFronts(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<GrpcFrontOptions>().Bind(configuration.GetSection(GrpcFrontOptions.Section));
        services.AddOptions<EnvoyOptions>().Bind(configuration.GetSection(EnvoyOptions.Section));
        services.Configure<RouteOptions>(static o => o.SetParameterPolicy<GrpcServiceNameConstraint>(GrpcServiceNameConstraint.Name));
        services.AddSingleton(static provider => EnvoyConfigLoader.Load(provider.GetRequiredService<IOptions<EnvoyOptions>>().Value.ConfigPaths));
        services.AddSingleton<GrainLimiterGrpcService>();
        services.AddSingleton<RateLimitService>();
        services.AddSingleton<HealthService>();
        services.AddSingleton<IGrpcService>(static p => p.GetRequiredService<GrainLimiterGrpcService>());
        services.AddSingleton<IGrpcService>(static p => p.GetRequiredService<RateLimitService>());
        services.AddSingleton<IGrpcService>(static p => p.GetRequiredService<HealthService>());
        services.AddSingleton<GrpcMethodTable>();
        services.AddSingleton<GrpcCallHandler>();
        return services;
    }

    /// <summary>Maps <c>POST /{package.Service}/{Method}</c>; unknown methods answer UNIMPLEMENTED.</summary>
    /// <remarks>Loads the Envoy descriptor files now, so an invalid file stops start-up with its problems named.</remarks>
    public static IEndpointRouteBuilder MapGrpcFronts(this IEndpointRouteBuilder endpoints)
    {
        var handler = endpoints.ServiceProvider.GetRequiredService<GrpcCallHandler>();
        endpoints.MapPost($"/{{service:{GrpcServiceNameConstraint.Name}}}/{{method}}", handler.HandleAsync);
        return endpoints;
    }
}
