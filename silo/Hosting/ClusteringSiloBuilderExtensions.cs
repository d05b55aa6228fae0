using System.Net;
using GrainLimiter.Silo.Storage;
using Orleans.Configuration;

namespace GrainLimiter.Silo.Hosting;

/// <summary>Membership: localhost clustering for one silo, Orleans' Redis clustering for several; failure detection tuned for a limiter.</summary>
public static class ClusteringSiloBuilderExtensions
{
    /// <summary>The pod variables Microsoft.Orleans.Hosting.Kubernetes reads; all present means the silo runs in a pod.</summary>
    private static readonly string[] PodVariables = ["KUBERNETES_SERVICE_HOST", "POD_NAME", "POD_NAMESPACE", "POD_IP"];

    public static ISiloBuilder UseGrainLimiterClustering(this ISiloBuilder silo, SiloClusterOptions cluster, string? redis)
    {
        if (cluster.IsMultiSilo)
        {
            var redisOptions = RedisConfiguration.Parse(redis!);
            silo.UseRedisClustering(options =>
            {
                options.ConfigurationOptions = redisOptions;
                options.CreateMultiplexer = static o => RedisConfiguration.ConnectAsync(o.ConfigurationOptions!);
            });
            // Listen on every interface, advertise the address other silos reach (the pod IP on Kubernetes).
            silo.ConfigureEndpoints(IPAddress.Parse(cluster.AdvertisedIp!), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
            silo.Configure<ClusterOptions>(options =>
            {
                options.ClusterId = cluster.ClusterId;
                options.ServiceId = cluster.ServiceId;
            });
            if (PodVariables.All(static name => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable(name))))
            {
                // Pod name as silo name, and silos whose pod is gone are declared dead without waiting for probes.
                silo.UseKubernetesHosting();
            }
        }
        else
        {
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
        }

        silo.Configure<ClusterMembershipOptions>(options =>
        {
            options.ProbeTimeout = cluster.ProbeTimeout;
            options.NumMissedProbesLimit = cluster.NumMissedProbesLimit;
            options.NumVotesForDeathDeclaration = cluster.NumVotesForDeathDeclaration;
            options.TableRefreshTimeout = cluster.TableRefreshTimeout;
            options.DeathVoteExpirationTimeout = cluster.DeathVoteExpirationTimeout;
            options.IAmAliveTablePublishTimeout = cluster.IAmAliveTablePublishTimeout;
        });
        // A call caught by a crash fails within the fronts' deadlines instead of after Orleans' default 30 s.
        silo.Configure<SiloMessagingOptions>(options => options.ResponseTimeout = cluster.ResponseTimeout);
        return silo;
    }
}
