using GrainLimiter.Silo.Hosting;
using GrainLimiter.Silo.Tests.Fixtures;
using GrainLimiter.Tls;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Tests.Config;

/// <summary>GrainLimiter:Cluster:Tls: off by default; when on, every missing or mismatched file stops the silo naming its setting,
/// and a peer's certificate is trusted only when it chains to the CA, fits its direction and carries a listed name.</summary>
public sealed class ClusterTlsSettingsTests : IDisposable
{
    private readonly TestCertificates _certificates = new();
    private readonly TestAuthority _authority;
    private readonly TestAuthority _stranger;

    public ClusterTlsSettingsTests()
    {
        _authority = _certificates.CreateAuthority("cluster");
        _stranger = _certificates.CreateAuthority("stranger");
    }

    public void Dispose()
    {
        _authority.Dispose();
        _stranger.Dispose();
        _certificates.Dispose();
    }

    [Fact]
    public void TlsIsOffByDefault()
    {
        var problems = new List<string>();

        Assert.Null(OrleansTlsCredentials.Load(new SiloClusterOptions().Tls, TlsRole.Silo, SiloClusterOptions.TlsSetting, problems));
        Assert.Empty(problems);
    }

    [Theory]
    [InlineData("pem pair")]
    [InlineData("pem with key")]
    [InlineData("pfx")]
    public void APemPairAPemWithItsKeyOrAPfxLoads(string form)
    {
        var tls = Enabled();
        var (certificate, key) = _authority.IssuePem("silo");
        switch (form)
        {
            case "pem pair":
                (tls.CertificateFile, tls.KeyFile) = (certificate, key);
                break;
            case "pem with key":
                tls.CertificateFile = Path.Combine(_certificates.Folder, "combined.pem");
                File.WriteAllText(tls.CertificateFile, File.ReadAllText(certificate) + "\n" + File.ReadAllText(key));
                break;
            default:
                (tls.CertificateFile, tls.CertificatePassword) = (_authority.IssuePfx("silo-pfx", "pfx-secret"), "pfx-secret");
                break;
        }

        var credentials = OrleansTlsCredentials.Load(tls, TlsRole.Silo, SiloClusterOptions.TlsSetting, Problems(out var problems));

        Assert.Empty(problems);
        Assert.True(credentials!.Certificate.HasPrivateKey);
    }

    [Fact]
    public async Task EnabledWithoutFilesStopsTheSiloNamingEach()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => RunningSilo.StartAsync("policies: []", new Dictionary<string, string?>
        {
            ["GrainLimiter:Cluster:Tls:Enabled"] = "true",
        }));

        Assert.Contains("GrainLimiter__Cluster__Tls__CertificateFile: is required when TLS is enabled.", error.Message, StringComparison.Ordinal);
        Assert.Contains("GrainLimiter__Cluster__Tls__CaFile: is required when TLS is enabled.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FilesWithoutEnabledAreNamedRatherThanLeftInPlainText()
    {
        var options = new SiloClusterOptions { Tls = { CaFile = _authority.CertificateFile } };

        var result = new SiloClusterOptionsValidator(static _ => null).Validate(null, options);

        Assert.Contains("GrainLimiter__Cluster__Tls__Enabled: is not true, but GrainLimiter__Cluster__Tls__CaFile is set", result.FailureMessage,
            StringComparison.Ordinal);
    }

    [Fact]
    public void MissingFilesAndAWrongPfxPasswordAreNamedWithoutThePassword()
    {
        var tls = Enabled();
        tls.CertificateFile = _authority.IssuePfx("silo", "right-password");
        tls.CertificatePassword = "wrong-password";
        tls.CaFile = "/nonexistent/ca.pem";

        OrleansTlsCredentials.Load(tls, TlsRole.Silo, SiloClusterOptions.TlsSetting, Problems(out var problems));

        Assert.Contains(problems, static p => p.StartsWith("GrainLimiter__Cluster__Tls__CertificateFile: ", StringComparison.Ordinal)
            && p.Contains("PKCS#12", StringComparison.Ordinal));
        Assert.Contains("GrainLimiter__Cluster__Tls__CaFile: file '/nonexistent/ca.pem' does not exist.", problems);
        Assert.DoesNotContain(problems, static p => p.Contains("password", StringComparison.Ordinal) && p.Contains("wrong-password", StringComparison.Ordinal));
    }

    [Fact]
    public void ACertificateFromAnotherCaIsNamedAsAMixUp()
    {
        var tls = Enabled();
        (tls.CertificateFile, tls.KeyFile) = _stranger.IssuePem("mixed-up");

        OrleansTlsCredentials.Load(tls, TlsRole.Silo, SiloClusterOptions.TlsSetting, Problems(out var problems));

        Assert.StartsWith("GrainLimiter__Cluster__Tls__CertificateFile: 'CN=mixed-up' would be refused by peers trusting GrainLimiter__Cluster__Tls__CaFile",
            Assert.Single(problems), StringComparison.Ordinal);
    }

    [Fact]
    public void ASiloCertificateMustServeBothDirectionsAClientsOnlyItsOwn()
    {
        var tls = Enabled();
        (tls.CertificateFile, tls.KeyFile) = _authority.IssuePem("client-only", server: false);

        OrleansTlsCredentials.Load(tls, TlsRole.Silo, SiloClusterOptions.TlsSetting, Problems(out var silo));
        OrleansTlsCredentials.Load(tls, TlsRole.Client, SiloClusterOptions.TlsSetting, Problems(out var client));

        Assert.Contains("for server authentication", Assert.Single(silo), StringComparison.Ordinal);
        Assert.Empty(client);
    }

    [Fact]
    public void PeerNamesMustBeDnsNames()
    {
        var tls = Enabled();
        (tls.CertificateFile, tls.KeyFile) = _authority.IssuePem("silo");
        tls.PeerNames = ["*.silo.grainlimiter.svc", "not a name"];

        OrleansTlsCredentials.Load(tls, TlsRole.Silo, SiloClusterOptions.TlsSetting, Problems(out var problems));

        Assert.Equal("GrainLimiter__Cluster__Tls__PeerNames__1: 'not a name' is not a DNS name (a leading '*.' is allowed).", Assert.Single(problems));
    }

    [Fact]
    public void APeerIsTrustedOnlyFromTheCaForItsDirectionWhileValidAndWithAListedName()
    {
        var tls = Enabled();
        (tls.CertificateFile, tls.KeyFile) = _authority.IssuePem("silo");
        tls.PeerNames = ["*.grainlimiter.svc"];
        var credentials = OrleansTlsCredentials.Load(tls, TlsRole.Silo, SiloClusterOptions.TlsSetting, Problems(out var problems))!;
        Assert.Empty(problems);

        using var good = _authority.Issue("peer", dnsNames: ["silo-0.grainlimiter.svc"]);
        using var stranger = _stranger.Issue("stranger", dnsNames: ["silo-0.grainlimiter.svc"]);
        using var clientOnly = _authority.Issue("client-only", server: false, dnsNames: ["silo-0.grainlimiter.svc"]);
        using var expired = _authority.Issue("expired", dnsNames: ["silo-0.grainlimiter.svc"], notAfter: DateTimeOffset.UtcNow.AddMinutes(-1));
        using var unnamed = _authority.Issue("unnamed");

        Assert.True(credentials.Trusts(good, OrleansTlsCredentials.ServerAuthentication, out _));
        Assert.True(credentials.Trusts(clientOnly, OrleansTlsCredentials.ClientAuthentication, out _));
        Assert.False(credentials.Trusts(clientOnly, OrleansTlsCredentials.ServerAuthentication, out _));
        Assert.False(credentials.Trusts(stranger, OrleansTlsCredentials.ClientAuthentication, out _));
        Assert.False(credentials.Trusts(expired, OrleansTlsCredentials.ClientAuthentication, out _));
        Assert.False(credentials.Trusts(unnamed, OrleansTlsCredentials.ClientAuthentication, out var refusal));
        Assert.Equal("it carries none of the names *.grainlimiter.svc", refusal);
    }

    private OrleansTlsOptions Enabled() => new() { Enabled = true, CaFile = _authority.CertificateFile };

    private static List<string> Problems(out List<string> problems) => problems = [];
}
