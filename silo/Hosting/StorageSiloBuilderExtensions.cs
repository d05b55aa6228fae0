using GrainLimiter.Grains;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Policies;
using GrainLimiter.Silo.Storage;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using StackExchange.Redis;

namespace GrainLimiter.Silo.Hosting;

/// <summary>The limit grains' storage: in memory (in the process, or Orleans' for a cluster), or Microsoft.Orleans.Persistence.Redis.</summary>
public static class StorageSiloBuilderExtensions
{
    public static ISiloBuilder UseGrainLimiterStorage(this ISiloBuilder silo, SiloOptions options, bool multiSilo)
    {
        if (options.Storage != "redis")
        {
            // Orleans' memory storage lets the silos of a cluster read each other's states, at a grain call per write;
            // a single silo keeps them in a dictionary, which a grain only needs to write when it deactivates (the
            // process that could read them later is this one). The admin storage (the override list) is written rarely.
            var limits = multiSilo
                ? silo.AddMemoryGrainStorage(LimitGrainOptions.StorageName)
                : silo.ConfigureServices(static services => services
                    .AddKeyedSingleton<IGrainStorage, InProcessGrainStorage>(LimitGrainOptions.StorageName)
                    .Configure<LimitGrainOptions>(static grains => grains.WritesBehind = false));
            return limits.AddMemoryGrainStorage(LimitGrainOptions.AdminStorageName);
        }

        var configuration = RedisConfiguration.Parse(options.Redis!);
        RedisKey prefix = $"{options.RedisKeyPrefix}:{options.Region}:";
        // The admin grains' state (the override list) must outlive any idle time: no expiry. prefix:region:admin:{grain}.
        silo.AddRedisGrainStorage(LimitGrainOptions.AdminStorageName, builder => builder.Configure(redis =>
        {
            redis.ConfigurationOptions = configuration;
            redis.CreateMultiplexer = static o => RedisConfiguration.ConnectAsync(o.ConfigurationOptions!);
            redis.GetStorageKey = (_, grainId) => prefix.Append("admin:" + grainId.ToString());
        }));
        return silo.AddRedisGrainStorage(LimitGrainOptions.StorageName,
            builder => builder.Configure<PolicyRegistry, IOptions<SiloOptions>>((redis, policies, silo) =>
        {
            redis.ConfigurationOptions = configuration;
            redis.CreateMultiplexer = static o => RedisConfiguration.ConnectAsync(o.ConfigurationOptions!);
            // A state equal to a fresh one is deleted by the grain (ClearStateAsync).
            redis.DeleteStateOnClear = true;
            // The provider only has one fixed expiry, renewed on every write: the longest a configured policy's
            // state can matter, so a key nobody uses any more leaves Redis by itself.
            redis.EntryExpiry = StateExpiry(policies, silo.Value);
            // prefix:region:{policy length:policy key}; the braces are a Redis Cluster hash tag.
            redis.GetStorageKey = (_, grainId) => prefix.Append("{" + grainId.Key.ToString() + "}");
        }));
    }

    internal static TimeSpan StateExpiry(PolicyRegistry policies, SiloOptions options)
    {
        var longest = policies.All.Select(static p => p.StateLifetime).DefaultIfEmpty(TimeSpan.Zero).Max();
        // Seconds in Redis; at least a minute, plus the write-behind delay.
        return TimeSpan.FromSeconds(Math.Ceiling(Math.Max(60, (longest + options.FlushInterval).TotalSeconds)));
    }
}
