using GrainLimiter.Silo.Tests.Fixtures;
using GrainLimiter.Silo.Tls;
using Microsoft.Extensions.Configuration;

namespace GrainLimiter.Silo.Tests.Tls;

/// <summary>A certificate the fronts cannot serve stops the silo before it starts, naming the setting to fix.</summary>
public sealed class FrontTlsStartupTests : IDisposable
{
    private readonly string _directory = TestCertificateFiles.NewDirectory();
    private readonly TestCertificateAuthority _authority = TestCertificateAuthority.Create();

    [Fact]
    public void AMissingCertificateFileIsNamed()
    {
        var missing = Path.Combine(_directory, "missing.crt");

        var problem = Problem(TestCertificateFiles.SiloSettings(missing, Path.Combine(_directory, "missing.key")));

        Assert.Contains($"GrainLimiter__Tls__CertificateFile: file '{missing}' does not exist.", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongPfxPasswordIsNamed()
    {
        var pfx = TestCertificateFiles.WritePfx(_directory, _authority.IssueServer(), "right-password");

        var problem = Problem(TestCertificateFiles.SiloSettings(pfx, password: "wrong-password"));

        Assert.Contains($"GrainLimiter__Tls__Password: does not open '{pfx}'", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongPasswordOfAnEncryptedKeyIsNamed()
    {
        var (certificate, key) = TestCertificateFiles.WritePem(_directory, _authority.IssueServer(), password: "right-password");

        var wrong = Problem(TestCertificateFiles.SiloSettings(certificate, key, "wrong-password"));
        var none = Problem(TestCertificateFiles.SiloSettings(certificate, key));

        Assert.Contains($"GrainLimiter__Tls__Password: does not decrypt the key in '{key}'.", wrong, StringComparison.Ordinal);
        Assert.Contains($"GrainLimiter__Tls__Password: is required: the key in '{key}' is encrypted.", none, StringComparison.Ordinal);
    }

    [Fact]
    public void AKeyOfAnotherCertificateIsNamed()
    {
        var (certificate, _) = TestCertificateFiles.WritePem(_directory, _authority.IssueServer(), "served");
        var (_, otherKey) = TestCertificateFiles.WritePem(_directory, _authority.IssueServer(), "other");

        var problem = Problem(TestCertificateFiles.SiloSettings(certificate, otherKey));

        Assert.Contains($"GrainLimiter__Tls__KeyFile: the key in '{otherKey}' is not the private key of the certificate in '{certificate}'", problem,
            StringComparison.Ordinal);
    }

    [Fact]
    public void AnExpiredCertificateIsNamed()
    {
        var expired = _authority.IssueServer(notBefore: DateTimeOffset.UtcNow.AddDays(-10), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        var (certificate, key) = TestCertificateFiles.WritePem(_directory, expired);

        var problem = Problem(TestCertificateFiles.SiloSettings(certificate, key));

        Assert.Contains($"GrainLimiter__Tls__CertificateFile: the certificate in '{certificate}' (CN=localhost) is valid from", problem,
            StringComparison.Ordinal);
    }

    [Fact]
    public void HttpsEndpointsNeedACertificateAndACertificateNeedsAnHttpsEndpoint()
    {
        var (certificate, key) = TestCertificateFiles.WritePem(_directory, _authority.IssueServer());
        var withoutCertificate = TestCertificateFiles.SiloSettings(certificate, key);
        withoutCertificate["GrainLimiter:Tls:CertificateFile"] = null;
        withoutCertificate["GrainLimiter:Tls:KeyFile"] = null;
        var withoutHttps = TestCertificateFiles.SiloSettings(certificate, key);
        withoutHttps["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{FreePort.Next()}";
        withoutHttps["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{FreePort.Next()}";

        var noCertificate = Problem(withoutCertificate);
        var noHttps = Problem(withoutHttps);

        Assert.Contains("GrainLimiter__Tls__CertificateFile: is required: Kestrel__Endpoints__Http__Url is an https:// address.", noCertificate,
            StringComparison.Ordinal);
        Assert.Contains("GrainLimiter__Tls__CertificateFile: is required: Kestrel__Endpoints__Grpc__Url is an https:// address.", noCertificate,
            StringComparison.Ordinal);
        Assert.Contains("GrainLimiter__Tls__CertificateFile: is set, but no Kestrel endpoint is https://", noHttps, StringComparison.Ordinal);
    }

    [Fact]
    public void APfxWithItsPasswordAndAPemFollowedByItsCaAreRead()
    {
        var served = _authority.IssueServer();
        var pfx = TestCertificateFiles.WritePfx(_directory, served, "right-password");
        var (certificate, key) = TestCertificateFiles.WritePem(_directory, served);
        File.AppendAllText(certificate, "\n" + _authority.Certificate.ExportCertificatePem());

        var fromPfx = ServerCertificateFiles.Load(new FrontTlsOptions { CertificateFile = pfx, Password = "right-password" }, DateTimeOffset.UtcNow);
        var fromPem = ServerCertificateFiles.Load(new FrontTlsOptions { CertificateFile = certificate, KeyFile = key }, DateTimeOffset.UtcNow);

        Assert.Equal(served.Thumbprint, fromPfx.TargetCertificate.Thumbprint);
        Assert.True(fromPfx.TargetCertificate.HasPrivateKey);
        Assert.Equal(served.Thumbprint, fromPem.TargetCertificate.Thumbprint);
        Assert.True(fromPem.TargetCertificate.HasPrivateKey);
    }

    /// <summary>What the silo prints when it stops at start-up (StartupProblems), or a failure when it would start.</summary>
    private static string Problem(Dictionary<string, string?> settings)
    {
        settings["GrainLimiter:Cluster:SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["GrainLimiter:Cluster:GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var exception = Record.Exception(() => SiloApp.Build([], builder => builder.Configuration.AddInMemoryCollection(settings)));
        Assert.NotNull(exception);
        return StartupProblems.Describe(exception) ?? throw new Xunit.Sdk.XunitException($"not described as a start-up problem: {exception}");
    }

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
