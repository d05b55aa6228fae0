using GrainLimiter.Silo.Storage.Redis;

namespace GrainLimiter.Silo.Tests.Storage.Redis;

public sealed class RedisConnectionOptionsTests
{
    [Fact]
    public void ParsesEveryOption()
    {
        RedisConnectionOptions options = RedisConnectionOptions.Parse(
            "redis.internal:6380, password=s3cr=t ,USER=limiter,ssl=true,sslHost=redis.example,sslCaFile=/etc/ca.pem," +
            "defaultDatabase=3,connectTimeout=1500,syncTimeout=250,reconnectMaxDelay=2000");

        Assert.Equal("redis.internal", options.Host);
        Assert.Equal(6380, options.Port);
        Assert.Equal("s3cr=t", options.Password);
        Assert.Equal("limiter", options.User);
        Assert.True(options.Ssl);
        Assert.Equal("redis.example", options.SslHost);
        Assert.Equal("/etc/ca.pem", options.SslCaFile);
        Assert.Equal(3, options.DefaultDatabase);
        Assert.Equal(TimeSpan.FromMilliseconds(1500), options.ConnectTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(250), options.SyncTimeout);
        Assert.Equal(TimeSpan.FromSeconds(2), options.ReconnectMaxDelay);
    }

    [Fact]
    public void DefaultsApplyToABareHost()
    {
        RedisConnectionOptions options = RedisConnectionOptions.Parse("localhost");

        Assert.Equal(("localhost", 6379, false, 0, null), (options.Host, options.Port, options.Ssl, options.DefaultDatabase, options.Password));
        Assert.Equal(TimeSpan.FromSeconds(5), options.SyncTimeout);
    }

    [Theory]
    [InlineData("[::1]:7000", "::1", 7000)]
    [InlineData("[::1]", "::1", 6379)]
    [InlineData("10.0.0.5:1", "10.0.0.5", 1)]
    public void ParsesEndpoints(string text, string host, int port)
    {
        RedisConnectionOptions options = RedisConnectionOptions.Parse(text);

        Assert.Equal((host, port), (options.Host, options.Port));
    }

    [Theory]
    [InlineData("localhost,abortConnect=false", "'abortConnect'")]
    [InlineData("localhost,ssl=yes", "'ssl'")]
    [InlineData("localhost,defaultDatabase=-1", "'defaultDatabase'")]
    [InlineData("localhost,syncTimeout=0", "'syncTimeout'")]
    [InlineData("localhost,connectTimeout=fast", "'connectTimeout'")]
    [InlineData("localhost,user=", "'user'")]
    [InlineData("localhost,ssl=true,SSL=false", "'SSL' is given twice")]
    [InlineData("localhost:0", "port '0'")]
    [InlineData("localhost:http", "port 'http'")]
    [InlineData(":6379", "no host")]
    [InlineData("a:1,b:2", "two endpoints")]
    [InlineData("password=x", "no endpoint")]
    [InlineData("", "no endpoint")]
    public void BadConnectionStringNamesTheProblem(string text, string named)
    {
        var error = Assert.Throws<FormatException>(() => RedisConnectionOptions.Parse(text));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ToStringMasksThePassword()
    {
        string text = RedisConnectionOptions.Parse("localhost,password=hunter2,user=bob").ToString();

        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.Contains("password=*****", text, StringComparison.Ordinal);
        Assert.Contains("user=bob", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ToStringParsesBackToTheSameOptions()
    {
        RedisConnectionOptions options = RedisConnectionOptions.Parse("[::1]:7000,ssl=true,defaultDatabase=2,syncTimeout=300");

        Assert.Equal(options, RedisConnectionOptions.Parse(options.ToString()));
    }
}
