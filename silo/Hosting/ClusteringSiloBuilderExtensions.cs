using System.Net;
using GrainLimiter.Silo.Cluster;
using GrainLimiter.Silo.Storage;
using GrainLimiter.Tls;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace GrainLimiter.Silo.Hosting;

/// <summary>Membership: localhost clustering for one silo, Orleans' Redis clustering for several; failure detection tuned for a limiter.</summary>
public static class ClusteringSiloBuilderExtensions
{
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
            if (cluster.Directory == SiloClusterOptions.DistributedDirectory)
            {
                // Orleans' default directory (a DHT repaired after the fact) let a key have a second activation while
                // silos joined or left; the one deactivated lost its counts. This one moves its ranges with each
                // membership view, so a key keeps one activation throughout.
#pragma warning disable ORLEANSEXP003 // experimental in Orleans 10.4.2; GrainLimiter__Cluster__Directory=local is Orleans' default
                silo.AddDistributedGrainDirectory();
#pragma warning restore ORLEANSEXP003
                // After a crash it keeps the dead silo's keys from activating elsewhere for a lease, in case that silo
                // still runs cut off from the others (30 s by default: a third of the keys answered by failure modes for
                // 22 s). Such a silo kills itself at its next read of the membership table, so the lease ends one
                // TableRefreshTimeout after the death declaration; Orleans counts it from the estimated failure time,
                // the declaration minus MaxProbeTimeout x NumMissedProbesLimit.
                silo.Services.AddOptions<GrainDirectoryOptions>().Configure<IOptions<ClusterMembershipOptions>>((directory, membership) =>
                    directory.RangeLeaseDuration = membership.Value.MaxProbeTimeout * membership.Value.NumMissedProbesLimit + cluster.TableRefreshTimeout);
            }

            silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>, LeavingSiloPause>();
            // Only here: a single silo has no one to declare it dead, and a filter costs every grain call.
            silo.AddIncomingGrainCallFilter<StallFenceFilter>();
            if (cluster.KubernetesHosting)
            {
                // Only when asked, as Orleans advises (one Deployment forming the whole cluster): the pod name is the
                // silo name, and silos whose pod is gone are declared dead without waiting for probes.
                silo.UseKubernetesHosting();
            }
        }
        else
        {
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
        }

        if (cluster.Tls.Enabled)
        {
            // Silo-to-silo links and the gateway: a peer without a certificate from the CA is refused at the handshake.
            var problems = new List<string>();
            var credentials = OrleansTlsCredentials.Load(cluster.Tls, TlsRole.Silo, SiloClusterOptions.TlsSetting, problems)
                ?? throw new OptionsValidationException(SiloClusterOptions.Section, typeof(SiloClusterOptions), problems);
            silo.UseGrainLimiterTls(credentials);
        }

        if (cluster.SiloName is { } name)
        {
            silo.Configure<SiloOptions>(options => options.SiloName = name);
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
