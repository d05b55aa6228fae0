namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>One redis-server for a test collection.</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    public RedisServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServerProcess.StartRedisAsync();

    // A server that never started (redis-server or Garnet missing) leaves nothing to stop: its start's error is the one to read.
    public async Task DisposeAsync() => await (Server?.DisposeAsync() ?? ValueTask.CompletedTask);
}

/// <summary>One Garnet server (Lua enabled) for a test collection.</summary>
public sealed class GarnetFixture : IAsyncLifetime
{
    public RedisServerProcess Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await RedisServerProcess.StartGarnetAsync();

    public async Task DisposeAsync() => await (Server?.DisposeAsync() ?? ValueTask.CompletedTask);
}

[CollectionDefinition(Name)]
public sealed class RedisServerCollection : ICollectionFixture<RedisServerFixture>
{
    public const string Name = "redis-server";
}

[CollectionDefinition(Name)]
public sealed class GarnetCollection : ICollectionFixture<GarnetFixture>
{
    public const string Name = "garnet";
}
