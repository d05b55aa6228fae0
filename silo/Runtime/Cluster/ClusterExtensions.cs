using System.Text.Json;
using GrainLimiter.Membership;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Runtime.Cluster.Membership;
using GrainLimiter.Silo.Runtime.Cluster.Peers;
using GrainLimiter.Silo.Storage.Redis;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Runtime.Cluster;

/// <summary>Wires the cluster into the silo: routing always; membership, peer transport and the peer API in multi-silo modes.</summary>
public static class ClusterExtensions
{
    public static IServiceCollection AddCluster(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<ClusterOptions>().Bind(configuration.GetSection(ClusterOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ClusterOptions>, ClusterOptionsValidator>();
        services.AddSingleton<ProvisionalGrains>();
        var options = configuration.GetSection(ClusterOptions.Section).Get<ClusterOptions>() ?? new ClusterOptions();
        if (!options.IsMultiSilo)
        {
            services.AddSingleton(provider => new GrainRouter(
                provider.GetRequiredService<GrainCatalog>(), provider.GetRequiredService<ProvisionalGrains>(),
                provider.GetRequiredService<IOptions<ClusterOptions>>(), provider.GetRequiredService<ILogger<GrainRouter>>()));
            return services;
        }

        services.AddSingleton(provider => new FailureDetector(
            provider.GetRequiredService<TimeProvider>(), provider.GetRequiredService<IOptions<ClusterOptions>>().Value.FailureDetection.DeadAfter));
        services.AddSingleton(MembershipSource);
        services.AddSingleton<PeerClientPool>();
        services.AddSingleton<IPeerTransport>(static p => p.GetRequiredService<PeerClientPool>());
        services.AddSingleton<ClusterMembership>();
        services.AddSingleton(provider => new GrainRouter(
            provider.GetRequiredService<GrainCatalog>(), provider.GetRequiredService<ProvisionalGrains>(),
            provider.GetRequiredService<IOptions<ClusterOptions>>(), provider.GetRequiredService<ILogger<GrainRouter>>(),
            provider.GetRequiredService<ClusterMembership>(), provider.GetRequiredService<IPeerTransport>()));
        services.AddSingleton(static p => new PeerAuthentication(p.GetRequiredService<IOptions<ClusterOptions>>().Value.Secret!));
        services.AddSingleton<PeerEndpoints>();
        // Registered after the catalog's maintenance, so it stops first: the leave writes the grains, then the final flush finds none.
        services.AddHostedService<ClusterService>();
        services.AddHealthChecks().AddCheck<ClusterReadinessCheck>("cluster");
        // The host must wait for the leave: Kubernetes' terminationGracePeriodSeconds is set above this.
        services.Configure<HostOptions>(host => host.ShutdownTimeout = options.LeaveTimeout + TimeSpan.FromSeconds(5));
        return services;
    }

    /// <summary>Maps the peer API (multi-silo modes) and, for operators, <c>GET /admin/v1/cluster</c> (this silo's view).</summary>
    /// <remarks>The view names every peer's address, so it is only served behind the admin token.</remarks>
    public static IEndpointRouteBuilder MapCluster(this IEndpointRouteBuilder endpoints, RouteGroupBuilder? admin)
    {
        var options = endpoints.ServiceProvider.GetRequiredService<IOptions<ClusterOptions>>().Value;
        if (!options.IsMultiSilo)
        {
            return endpoints;
        }

        PeerEndpoints.Map(endpoints);
        admin?.MapGet("/cluster", WriteViewAsync);
        return endpoints;
    }

    private static async Task WriteViewAsync(HttpContext context, ClusterMembership membership)
    {
        var view = membership.View;
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("self", membership.Self);
        json.WriteBoolean("serving", membership.IsServing);
        json.WriteNumber("version", view.Version);
        json.WriteStartArray("members");
        foreach (var member in view.Members)
        {
            json.WriteStringValue(member);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static IMembershipSource MembershipSource(IServiceProvider provider)
    {
        var options = provider.GetRequiredService<IOptions<ClusterOptions>>().Value;
        var time = provider.GetRequiredService<TimeProvider>();
        var self = options.AdvertisedAddress!;
        switch (options.Membership)
        {
            case MembershipKinds.Static:
                return new StaticMembershipSource(PeerAddress.ParseList(options.Peers)!, options.RefreshInterval);
            case MembershipKinds.Dns:
                PeerAddress.TryParse(self, out var advertised);
                return new DnsMembershipSource(options.DnsName!, options.DnsPort > 0 ? options.DnsPort : advertised.Port, options.DnsRefreshInterval);
            default:
                var silo = provider.GetRequiredService<IOptions<SiloOptions>>().Value;
                var logger = provider.GetRequiredService<ILogger<RedisConnection>>();
                var table = new RedisMembershipOptions
                {
                    KeyPrefix = silo.RedisKeyPrefix,
                    ClusterId = options.ClusterId,
                    Table = new MembershipTableOptions { DeadAfter = options.FailureDetection.DeadAfter },
                };
                // Its own connection: heartbeats must not queue behind a large write-behind batch.
                return new TableMembershipSource(
                    async cancellationToken => new RedisMembershipTable(
                        await RedisConnection.ConnectAsync(silo.Redis ?? "", logger, time, cancellationToken).ConfigureAwait(false), table, time),
                    self, time, options.RefreshInterval);
        }
    }
}
