using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using GrainLimiter.Silo.Storage.Redis;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Storage.Redis;

/// <summary>Debian's redis-server is built with TLS: it serves a self-signed certificate made here on its TLS port.</summary>
public sealed class RedisTlsTests : IAsyncLifetime
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("grainlimiter-tls-");
    private RedisServerProcess _server = null!;
    private int _tlsPort;
    private string _certificateFile = null!;

    public async Task InitializeAsync()
    {
        using RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, false, 0, critical: true));
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));

        _certificateFile = Path.Combine(_directory.FullName, "redis.crt");
        string keyFile = Path.Combine(_directory.FullName, "redis.key");
        await File.WriteAllTextAsync(_certificateFile, certificate.ExportCertificatePem());
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());

        _tlsPort = RedisServerProcess.FreePort();
        _server = await RedisServerProcess.StartRedisAsync(
            "--tls-port", _tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls-cert-file", _certificateFile, "--tls-key-file", keyFile,
            "--tls-ca-cert-file", _certificateFile, "--tls-auth-clients", "no");
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _directory.Delete(recursive: true);
    }

    [Fact(Timeout = 30_000)]
    public async Task UntrustedCertificateIsRejectedByDefault()
    {
        var error = await Assert.ThrowsAsync<RedisConnectionException>(() => RedisConnection.ConnectAsync($"localhost:{_tlsPort},ssl=true,connectTimeout=5000"));

        Assert.Contains("TLS handshake", error.Message, StringComparison.Ordinal);
        Assert.Contains("system trust store", error.Message, StringComparison.Ordinal);
    }

    [Fact(Timeout = 30_000)]
    public async Task TrustedCertificateFileLetsTheConnectionThrough()
    {
        await using RedisConnection connection = await RedisConnection.ConnectAsync($"localhost:{_tlsPort},ssl=true,sslCaFile={_certificateFile}");

        await connection.SetAsync("over-tls", "yes");
        Assert.Equal("yes"u8.ToArray(), await connection.GetAsync("over-tls"));
    }

    [Fact(Timeout = 30_000)]
    public async Task TrustedCertificateForAnotherNameIsStillRejected()
    {
        var error = await Assert.ThrowsAsync<RedisConnectionException>(
            () => RedisConnection.ConnectAsync($"localhost:{_tlsPort},ssl=true,sslHost=redis.example,sslCaFile={_certificateFile}"));

        Assert.Contains("TLS handshake", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingCaFileIsNamedInTheError()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(
            () => RedisConnection.ConnectAsync($"localhost:{_tlsPort},ssl=true,sslCaFile=/nonexistent/ca.pem"));

        Assert.Contains("sslCaFile", error.Message, StringComparison.Ordinal);
    }
}
