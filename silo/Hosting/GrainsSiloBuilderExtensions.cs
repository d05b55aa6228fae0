using GrainLimiter.Grains;
using GrainLimiter.Grains.Persistence;
using GrainLimiter.Grains.Regions;
using SiloOptions = GrainLimiter.Silo.Config.SiloOptions;
using GrainLimiter.Silo.Policies;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace GrainLimiter.Silo.Hosting;

/// <summary>The limit grains (and the RLQS bucket grains' gauges): their shared services, the silo's state writer and its interval,
/// idle collection and the activation bound.</summary>
public static class GrainsSiloBuilderExtensions
{
    public static ISiloBuilder AddLimitGrains(this ISiloBuilder silo, SiloOptions options)
    {
        silo.Services.AddSingleton<IPolicyResolver>(static p => p.GetRequiredService<PolicyRegistry>());
        silo.Services.AddSingleton<LimitGrainCounters>();
        silo.Services.AddSingleton<LimitGrainServices>();
        silo.Services.AddSingleton<LimitStateWriter>();
        silo.Services.AddSingleton<Grains.QuotaBuckets.QuotaBucketGauges>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(static p => p.GetRequiredService<LimitStateWriter>());
        // Region sync replaces it when peer regions are configured.
        silo.Services.TryAddSingleton<IRegionLink, NoRegionLink>();
        silo.Services.AddOptions<LimitGrainOptions>().Configure<IOptions<SiloOptions>>(static (grains, silo) =>
        {
            grains.FlushInterval = silo.Value.FlushInterval;
            grains.MaxActiveGrains = silo.Value.MaxActiveGrains;
            grains.RequestIdWindow = silo.Value.RequestIdWindow;
            grains.MaxRequestIdsPerKey = silo.Value.MaxRequestIdsPerKey;
            grains.StorageOutlivesSilo = silo.Value.Storage == "redis";
        });
        silo.Configure<GrainCollectionOptions>(collection =>
        {
            collection.CollectionAge = options.IdleTimeout;
            // Collection runs every quantum: an idle grain goes after between IdleTimeout and IdleTimeout + quantum.
            collection.CollectionQuantum = TimeSpan.FromTicks(Math.Min(TimeSpan.FromMinutes(1).Ticks,
                Math.Max(TimeSpan.FromSeconds(1).Ticks, options.IdleTimeout.Ticks / 2)));
            // A key flood must not take the process down: deactivate the oldest grains when memory runs short.
            collection.EnableActivationSheddingOnMemoryPressure = true;
        });
        // Orleans caches the directory address of every grain this silo called, up to a million by default: a key flood would
        // fill it far beyond MaxActiveGrains (about 300 B a key, 1 GiB of heap needed where 768 MiB served once it was bounded).
        silo.Configure<GrainDirectoryOptions>(directory => directory.CacheSize = options.MaxActiveGrains);
        // Orleans refuses a call to a grain with this many requests waiting (LimitExceededException), instead of queueing it.
        silo.Configure<SiloMessagingOptions>(messaging => messaging.MaxEnqueuedRequestsHardLimit = options.MaxQueuedCallsPerKey);
        return silo;
    }
}
