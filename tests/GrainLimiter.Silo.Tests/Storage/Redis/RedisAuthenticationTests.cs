using GrainLimiter.Silo.Storage.Redis;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Storage.Redis;

/// <summary>One redis-server with a password for the default user and an ACL user <c>limiter</c>.</summary>
public sealed class RedisAuthenticationTests : IAsyncLifetime
{
    private RedisServerProcess _server = null!;

    public async Task InitializeAsync() =>
        _server = await RedisServerProcess.StartRedisAsync(
            "--requirepass", "default-secret",
            "--user", "limiter", "on", ">limiter-secret", "~gl:*", "+@all");

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact(Timeout = 30_000)]
    public async Task PasswordAuthenticatesTheDefaultUser()
    {
        await using RedisConnection connection = await RedisConnection.ConnectAsync(_server.ConnectionString + ",password=default-secret");

        await connection.SetAsync("anything", "1");
        Assert.Equal("default", (await connection.ExecuteAsync(["ACL", "WHOAMI"])).AsString());
    }

    [Fact(Timeout = 30_000)]
    public async Task AclUserAuthenticatesWithItsPassword()
    {
        await using RedisConnection connection = await RedisConnection.ConnectAsync(_server.ConnectionString + ",user=limiter,password=limiter-secret");

        Assert.Equal("limiter", (await connection.ExecuteAsync(["ACL", "WHOAMI"])).AsString());
        await connection.SetAsync("gl:allowed", "1");
        var denied = await Assert.ThrowsAsync<RedisServerException>(async () => await connection.SetAsync("other:key", "1"));
        Assert.Equal("NOPERM", denied.ErrorCode);
    }

    [Theory(Timeout = 30_000)]
    [InlineData(",password=wrong")]
    [InlineData(",user=limiter,password=default-secret")]
    [InlineData(",user=nobody,password=limiter-secret")]
    public async Task WrongCredentialsFailWithAnAuthenticationError(string credentials)
    {
        var error = await Assert.ThrowsAsync<RedisAuthenticationException>(() => RedisConnection.ConnectAsync(_server.ConnectionString + credentials));

        Assert.Contains("WRONGPASS", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task MissingPasswordSaysAuthenticationIsRequired()
    {
        var error = await Assert.ThrowsAsync<RedisAuthenticationException>(() => RedisConnection.ConnectAsync(_server.ConnectionString));

        Assert.Contains("requires authentication", error.Message, StringComparison.Ordinal);
    }
}
