using Grpc.AspNetCore.Server;
using Grpc.AspNetCore.Server.Model;
using GrainLimiter.Grains.Regions;
using GrainLimiter.Protocol.Region.V1;
using GrainLimiter.Silo.Fronts;
using GrainLimiter.Silo.Fronts.Grpc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Regions;

/// <summary>Wires region sync into the silo: options, the grains' link, the pusher and the RegionSync gRPC service.</summary>
public static class RegionSyncExtensions
{
    /// <summary>Registers region sync; with no peers configured global keys count this region alone and nothing is pushed.</summary>
    public static IServiceCollection AddRegionSync(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<RegionSyncOptions>().Bind(configuration.GetSection(RegionSyncOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<RegionSyncOptions>, RegionSyncOptionsValidator>();
        services.AddSingleton<RegionLink>();
        services.Replace(ServiceDescriptor.Singleton<IRegionLink>(static p => p.GetRequiredService<RegionLink>()));
        services.AddSingleton<RegionSyncMetrics>();
        services.AddHostedService<RegionSyncPusher>();
        services.AddSingleton<RegionSyncService>();
        services.AddSingleton<IServiceMethodProvider<RegionSyncService>>(
            new StrictServiceMethodProvider<RegionSyncService>(static binder => RegionSync.BindService(binder, null)));
        services.AddGrpc().AddServiceOptions<RegionSyncService>(static _ => { });
        services.AddOptions<GrpcServiceOptions<RegionSyncService>>().Configure<IOptions<RegionSyncOptions>>(static (grpc, regions) =>
            grpc.MaxReceiveMessageSize = regions.Value.MaxMessageBytes);
        return services;
    }

    /// <summary>Maps <c>grainlimiter.region.v1.RegionSync</c> on the gRPC port.</summary>
    public static IEndpointRouteBuilder MapRegionSync(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGrpcService<RegionSyncService>().CountBadRequests(BadRequests.Front.RegionSync);
        return endpoints;
    }
}
