using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GrainLimiter.Silo.Storage;
using GrainLimiter.Silo.Tests.Fixtures;
using StackExchange.Redis;

namespace GrainLimiter.Silo.Tests.Storage;

/// <summary>GrainLimiter:Redis against a real redis-server: ACL users, and TLS trusted through sslCaFile.</summary>
public sealed class RedisConnectionStringTests : IAsyncLifetime
{
    private const string Policies = """
        policies:
          - name: daily
            limits:
              - { algorithm: fixed_window, limit: 3, window: 1d }
        """;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("grainlimiter-tls-");
    private RedisServerProcess _server = null!;
    private int _tlsPort;
    private string _certificateFile = null!;

    public async Task InitializeAsync()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, false, 0, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        _certificateFile = Path.Combine(_directory.FullName, "redis.crt");
        var keyFile = Path.Combine(_directory.FullName, "redis.key");
        await File.WriteAllTextAsync(_certificateFile, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());

        _tlsPort = RedisServerProcess.FreePort();
        _server = await RedisServerProcess.StartRedisAsync(
            "--requirepass", "default-secret",
            "--user", "limiter", "on", ">limiter-secret", "~gl:*", "+@all",
            "--tls-port", _tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls-cert-file", _certificateFile, "--tls-key-file", keyFile,
            "--tls-ca-cert-file", _certificateFile, "--tls-auth-clients", "no");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _directory.Delete(recursive: true);
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
        var error = await Assert.ThrowsAnyAsync<Exception>(() => RunningSilo.StartAsync(Policies, Settings($"127.0.0.1:{_server.Port},connectTimeout=2000{credentials}")));

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
    public void BadConnectionStringsNameTheProblem(string connectionString, string expected)
    {
        var error = Assert.Throws<FormatException>(() => RedisConfiguration.Parse(connectionString));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Settings(string redis) => new()
    {
        ["GrainLimiter:Storage"] = "redis",
        ["GrainLimiter:Redis"] = redis,
        ["GrainLimiter:FlushInterval"] = "00:00:00.050",
    };
}
