using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Storage.Redis;
using GrainLimiter.Storage;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Storage;

/// <summary>Chooses the grain state store from <c>GrainLimiter:Storage</c>.</summary>
public static class StorageServiceCollectionExtensions
{
    public static IServiceCollection AddGrainStateStore(this IServiceCollection services)
    {
        services.AddSingleton(static provider =>
        {
            var options = provider.GetRequiredService<IOptions<SiloOptions>>().Value;
            return Connect(options, provider.GetRequiredService<ILogger<RedisConnection>>());
        });
        services.AddSingleton<IGrainStateStore>(static provider =>
        {
            var options = provider.GetRequiredService<IOptions<SiloOptions>>().Value;
            return options.Storage == "redis"
                ? new RedisGrainStateStore(provider.GetRequiredService<RedisConnection>(), new RedisGrainStoreOptions { KeyPrefix = options.RedisKeyPrefix, Region = options.Region })
                : new MemoryGrainStateStore(provider.GetRequiredService<TimeProvider>());
        });
        return services;
    }

    // Start-up only: a silo told to use Redis does not start without it, so a misconfiguration shows at once.
    // Once connected, the connection reconnects by itself and decisions go on from memory meanwhile.
    private static RedisConnection Connect(SiloOptions options, ILogger<RedisConnection> logger)
    {
        var connection = RedisConnectionOptions.Parse(options.Redis!);
        try
        {
            return RedisConnection.ConnectAsync(connection, logger).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new InvalidOperationException($"GrainLimiter__Redis: cannot connect to {connection.Endpoint}: {e.Message}", e);
        }
    }
}
