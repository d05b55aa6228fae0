using System.Net;
using GrainLimiter.Silo.Storage;
using GrainLimiter.Silo.Tests.Fixtures;
using StackExchange.Redis;

namespace GrainLimiter.Silo.Tests.Storage;

/// <summary>GrainLimiter:Redis against a real redis-server: ACL users, a password from a file, and TLS trusted through sslCaFile.</summary>
public sealed class RedisConnectionStringTests : IAsyncLifetime
{
    private const string Policies = """
        policies:
          - name: daily
            limits:
              - { algorithm: fixed_window, limit: 3, window: 1d }
        """;

    private readonly TestCertificates _certificates = new();
    private TestAuthority _authority = null!;
    private RedisServerProcess _server = null!;
    private int _tlsPort;
    private string _certificateFile = null!;

    public async Task InitializeAsync()
    {
        _authority = _certificates.CreateAuthority("redis");
        _certificateFile = _authority.CertificateFile;
        _server = await RedisServerProcess.StartRedisWithTlsAsync(_authority,
            "--requirepass", "default-secret",
            "--user", "limiter", "on", ">limiter-secret", "~gl:*", "+@all");
        _tlsPort = _server.TlsPort;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _authority.Dispose();
        _certificates.Dispose();
    }

    [Fact]
    public async Task ASiloWithAnAclUserDecidesAndStoresUnderItsKeys()
    {
        var redis = $"127.0.0.1:{_server.Port},user=limiter,password=limiter-secret";
        await using (var silo = await RunningSilo.StartAsync(Policies, Settings(redis)))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await silo.Http.CheckAsync("daily", "acl")).StatusCode);
            }
        }

        await using var reader = await ConnectionMultiplexer.ConnectAsync(RedisConfiguration.Parse(redis));
        Assert.Equal("limiter", (string?)await reader.GetDatabase().ExecuteAsync("ACL", "WHOAMI"));
        Assert.True(await reader.GetDatabase().KeyExistsAsync("gl:local:{5:dailyacl}"));
    }

    [Theory]
    [InlineData(",password=wrong")]
    [InlineData(",user=limiter,password=default-secret")]
    [InlineData("")]
    public async Task WrongOrMissingCredentialsStopTheSiloNamingTheSettingWithoutTheSecret(string credentials)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            RunningSilo.StartAsync(Policies, Settings($"127.0.0.1:{_server.Port},connectTimeout=2000{credentials}")));

        Assert.Contains("GrainLimiter__Redis", error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TlsWithTheCaFileConnectsAndASiloDecidesOverIt()
    {
        var redis = $"localhost:{_tlsPort},ssl=true,sslCaFile={_certificateFile},password=default-secret";
        await using var connection = await ConnectionMultiplexer.ConnectAsync(RedisConfiguration.Parse(redis));
        await connection.GetDatabase().StringSetAsync("over-tls", "yes");
        Assert.Equal("yes", (string?)await connection.GetDatabase().StringGetAsync("over-tls"));

        await using var silo = await RunningSilo.StartAsync(Policies, Settings(redis));
        Assert.Equal(HttpStatusCode.OK, (await silo.Http.CheckAsync("daily", "tls")).StatusCode);
    }

    [Fact]
    public async Task ASiloOverTlsWithAnAclUserAndAPasswordFileWritesAndReadsItsState()
    {
        var passwordFile = Path.Combine(_certificates.Folder, "redis-password");
        await File.WriteAllTextAsync(passwordFile, "limiter-secret\n"); // as `kubectl create secret --from-file` of an echoed password leaves it
        var redis = $"localhost:{_tlsPort},ssl=true,sslCaFile={_certificateFile},user=limiter,passwordFile={passwordFile}";
        await using (var silo = await RunningSilo.StartAsync(Policies, Settings(redis)))
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.OK, (await silo.Http.CheckAsync("daily", "tls-acl")).StatusCode);
            }
        }

        // A new silo reads the state the first wrote (at its graceful stop): the window's 3 are used.
        await using (var silo = await RunningSilo.StartAsync(Policies, Settings(redis)))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, (await silo.Http.CheckAsync("daily", "tls-acl")).StatusCode);
        }

        await using var reader = await ConnectionMultiplexer.ConnectAsync(RedisConfiguration.Parse(redis));
        Assert.Equal("limiter", (string?)await reader.GetDatabase().ExecuteAsync("ACL", "WHOAMI"));
        Assert.True(await reader.GetDatabase().KeyExistsAsync("gl:local:{5:dailytls-acl}"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(",sslHost=redis.example")]
    public async Task TlsIsRefusedWithoutTheCaFileOrForAnotherName(string extra)
    {
        var caFile = extra.Length == 0 ? "" : $",sslCaFile={_certificateFile}";
        var options = RedisConfiguration.Parse($"localhost:{_tlsPort},ssl=true,password=default-secret,connectTimeout=2000{caFile}{extra}");

        await Assert.ThrowsAsync<RedisConnectionException>(() => ConnectionMultiplexer.ConnectAsync(options));
    }

    [Theory]
    [InlineData("127.0.0.1:6379,sslCaFile=/nonexistent/ca.pem", "sslCaFile")]
    [InlineData("127.0.0.1:6379,colour=blue", "colour")]
    [InlineData("127.0.0.1:6379,reconnectMaxDelay=soon", "reconnectMaxDelay")]
    [InlineData("password=x", "no server")]
    [InlineData("127.0.0.1:6379,passwordFile=/nonexistent/password", "passwordFile '/nonexistent/password' does not exist")]
    public void BadConnectionStringsNameTheProblem(string connectionString, string expected)
    {
        var error = Assert.Throws<FormatException>(() => RedisConfiguration.Parse(connectionString));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APasswordFileIsEitherThePasswordOrNamedAsTheProblem()
    {
        var file = Path.Combine(_certificates.Folder, "password");
        await File.WriteAllTextAsync(file, "s3cret,with=commas\r\n");
        Assert.Equal("s3cret,with=commas", RedisConfiguration.Parse($"127.0.0.1:6379,passwordFile={file}").Password);

        Assert.Contains("password or passwordFile, not both",
            Assert.Throws<FormatException>(() => RedisConfiguration.Parse($"127.0.0.1:6379,password=x,passwordFile={file}")).Message,
            StringComparison.Ordinal);
        await File.WriteAllTextAsync(file, "\n");
        Assert.Contains($"passwordFile '{file}' is empty",
            Assert.Throws<FormatException>(() => RedisConfiguration.Parse($"127.0.0.1:6379,passwordFile={file}")).Message,
            StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Settings(string redis) => new()
    {
        ["GrainLimiter:Storage"] = "redis",
        ["GrainLimiter:Redis"] = redis,
        ["GrainLimiter:FlushInterval"] = "00:00:00.050",
    };
}
