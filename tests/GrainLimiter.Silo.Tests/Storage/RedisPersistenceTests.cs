using System.Net;
using GrainLimiter.Grains;
using GrainLimiter.Silo.Tests.Fixtures;
using StackExchange.Redis;

namespace GrainLimiter.Silo.Tests.Storage;

/// <summary>A silo whose grains persist through Microsoft.Orleans.Persistence.Redis to a real server: restarts and outages.</summary>
public abstract class RedisPersistenceTests
{
    private const string Policies = """
        policies:
          - name: daily
            limits:
              - { algorithm: token_bucket, limit: 100, window: 1d }
          - name: open
            # Every call reaches the grain: a lease given back would refund a bucket that refills in milliseconds, and the
            # state then equal to a fresh one is deleted, not written (right, but not what the outage test looks for).
            leases: off
            limits:
              - { algorithm: token_bucket, limit: 1000000, window: 1h }
          - name: closed
            failureMode: closed
            limits:
              - { algorithm: token_bucket, limit: 10, window: 1h }
        """;

    private static Dictionary<string, string?> RedisSettings(RedisServerProcess redis) => new()
    {
        ["GrainLimiter:Storage"] = "redis",
        ["GrainLimiter:Redis"] = redis.ConnectionString.Replace("syncTimeout=5000", "syncTimeout=500", StringComparison.Ordinal),
        ["GrainLimiter:FlushInterval"] = "00:00:00.050",
    };

    /// <summary>The server the suite runs against: redis-server or Garnet.</summary>
    protected abstract Task<RedisServerProcess> StartServerAsync();

    [Fact]
    public async Task RestartedSiloContinuesFromTheStoredCounts()
    {
        await using var redis = await StartServerAsync();
        // The client's default sync timeout: this test is about continuity, and the suite's short one (for the outage
        // tests) can time out the last write of a busy machine's graceful stop.
        var settings = RedisSettings(redis);
        settings["GrainLimiter:Redis"] = redis.ConnectionString;
        await using (var first = await RunningSilo.StartAsync(Policies, settings))
        {
            for (var i = 0; i < 60; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await first.Http.CheckAsync("daily", "user:42")).StatusCode);
            }
        }

        await using var second = await RunningSilo.StartAsync(Policies, settings);
        for (var i = 0; i < 40; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await second.Http.CheckAsync("daily", "user:42")).StatusCode);
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, (await second.Http.CheckAsync("daily", "user:42")).StatusCode);
    }

    [Fact]
    public async Task SiloKeepsAnsweringWhileRedisIsDownAndWritesAgainWhenItReturns()
    {
        await using var redis = await StartServerAsync();
        await using var silo = await RunningSilo.StartAsync(Policies, RedisSettings(redis));
        var answered = 0;
        var failures = new List<string>();
        async Task CallAsync(string policy, string key)
        {
            var response = await silo.Http.CheckAsync(policy, key);
            if (response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests)
            {
                Interlocked.Increment(ref answered);
            }
            else
            {
                var body = await response.Content.ReadAsStringAsync();
                lock (failures) failures.Add($"{response.StatusCode}: {body}");
            }
        }

        for (var i = 0; i < 200; i++)
        {
            await CallAsync("open", $"before:{i % 20}");
        }

        await redis.KillAsync();
        for (var i = 0; i < 200; i++)
        {
            await CallAsync("open", $"before:{i % 20}");
            await CallAsync("open", $"during:{i % 20}");
        }

        var closed = await (await silo.Http.CheckAsync("closed", "new-during-outage")).JsonAsync();

        await redis.RestartAsync();
        await using var reader = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        RedisKey stored = $"gl:local:{{{LimitGrainKey.Encode("open", "during:7")}}}";
        await Eventually.TrueAsync(
            async () => await reader.GetDatabase().KeyExistsAsync(stored),
            TimeSpan.FromSeconds(30), "a grain changed during the outage is written to the restarted Redis");

        Assert.Empty(failures);
        Assert.Equal(600, answered);
        Assert.False(closed.GetProperty("allowed").GetBoolean());
        Assert.Equal("store_unavailable", closed.GetProperty("results")[0].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task SiloConfiguredForAnUnreachableRedisRefusesToStartNamingTheSetting()
    {
        var settings = new Dictionary<string, string?>
        {
            ["GrainLimiter:Storage"] = "redis",
            ["GrainLimiter:Redis"] = $"127.0.0.1:{FreePort.Next()},connectTimeout=500",
        };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => RunningSilo.StartAsync(Policies, settings));

        // Orleans' start-up wraps the provider's failure: the setting is named in the chain.
        Assert.Contains("GrainLimiter__Redis", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, "GrainLimiter__Redis: is required")]
    [InlineData("127.0.0.1:6379,colour=blue", "GrainLimiter__Redis:")]
    public async Task BadRedisSettingFailsStartNamingIt(string? connectionString, string expected)
    {
        var settings = new Dictionary<string, string?> { ["GrainLimiter:Storage"] = "redis", ["GrainLimiter:Redis"] = connectionString };

        var error = await Assert.ThrowsAnyAsync<Exception>(() => RunningSilo.StartAsync(Policies, settings));

        Assert.Contains(expected, error.Message);
    }
}

/// <summary>The persistence suite on Debian's redis-server.</summary>
public sealed class RedisPersistenceOnRedisTests : RedisPersistenceTests
{
    protected override Task<RedisServerProcess> StartServerAsync() => RedisServerProcess.StartRedisAsync();
}

/// <summary>The persistence suite on Garnet (Lua enabled: the provider writes with an ETag-checking script).</summary>
public sealed class RedisPersistenceOnGarnetTests : RedisPersistenceTests
{
    protected override Task<RedisServerProcess> StartServerAsync() => RedisServerProcess.StartGarnetAsync();
}
