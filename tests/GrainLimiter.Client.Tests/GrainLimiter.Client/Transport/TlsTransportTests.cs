using GrainLimiter.Client.Tests.Fixtures;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.Transport;

/// <summary>Two silos serving gRPC over TLS with a certificate from a test CA; the second also requires client certificates from it.</summary>
public sealed class TlsSilosFixture : IAsyncLifetime
{
    private readonly string _directory = TestCertificateFiles.NewDirectory();

    public TestCertificateAuthority Authority { get; } = TestCertificateAuthority.Create();

    public string CaFile { get; private set; } = null!;

    public (string Certificate, string Key) ClientFiles { get; private set; }

    public RunningSilo Tls { get; private set; } = null!;

    public RunningSilo MutualTls { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        CaFile = Authority.WriteCertificate(_directory);
        var (certificate, key) = TestCertificateFiles.WritePem(_directory, Authority.IssueServer());
        ClientFiles = TestCertificateFiles.WritePem(_directory, Authority.IssueClient(), "client");
        Tls = await RunningSilo.StartAsync(TestPolicies.Yaml, TestCertificateFiles.SiloSettings(certificate, key));
        var mutual = TestCertificateFiles.SiloSettings(certificate, key);
        mutual["GrainLimiter:Tls:ClientCaFile"] = CaFile;
        MutualTls = await RunningSilo.StartAsync(TestPolicies.Yaml, mutual);
    }

    public async Task DisposeAsync()
    {
        await Tls.DisposeAsync();
        await MutualTls.DisposeAsync();
        Authority.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

public sealed class TlsTransportTests(TlsSilosFixture silos) : IClassFixture<TlsSilosFixture>
{
    private static GrainLimiterClient Client(RunningSilo silo, Action<ClientTlsOptions> tls) =>
        new(new GrainLimiterClientOptions
        {
            Endpoints = [silo.GrpcAddress],
            Deadline = TimeSpan.FromSeconds(5),
            ThrowWhenUnavailable = true,
            Tls = Configured(tls),
        });

    private static ClientTlsOptions Configured(Action<ClientTlsOptions> configure)
    {
        var options = new ClientTlsOptions();
        configure(options);
        return options;
    }

    [Fact]
    public async Task AnHttpsSiloOfAPrivateCaIsReachedWithTheCaFileAndRefusedWithout()
    {
        using var trusting = Client(silos.Tls, tls => tls.CaFile = silos.CaFile);
        using var untrusting = Client(silos.Tls, _ => { });

        var decision = await trusting.CheckAsync("roomy", SiloFixture.UniqueKey("tls"));
        await Assert.ThrowsAsync<ClusterUnavailableException>(async () => await untrusting.CheckAsync("roomy", SiloFixture.UniqueKey("tls")));

        Assert.True(decision.Allowed);
        Assert.False(decision.IsFallback);
    }

    [Fact]
    public async Task ASiloRequiringClientCertificatesServesAClientPresentingOne()
    {
        using var presenting = Client(silos.MutualTls, tls =>
        {
            tls.CaFile = silos.CaFile;
            (tls.CertificateFile, tls.KeyFile) = silos.ClientFiles;
        });
        using var anonymous = Client(silos.MutualTls, tls => tls.CaFile = silos.CaFile);

        var decision = await presenting.CheckAsync("roomy", SiloFixture.UniqueKey("mtls"));
        await Assert.ThrowsAsync<ClusterUnavailableException>(async () => await anonymous.CheckAsync("roomy", SiloFixture.UniqueKey("mtls")));

        Assert.True(decision.Allowed);
        Assert.False(decision.IsFallback);
    }

    [Fact]
    public void FilesThatCannotBeReadAreNamedByTheirSetting()
    {
        var options = new GrainLimiterClientOptions
        {
            Endpoints = [silos.Tls.GrpcAddress],
            Tls = new ClientTlsOptions { CaFile = "/no/such/ca.crt" },
        };
        var certificate = new GrainLimiterClientOptions
        {
            Endpoints = [silos.Tls.GrpcAddress],
            Tls = new ClientTlsOptions { CertificateFile = silos.ClientFiles.Certificate, KeyFile = silos.CaFile },
        };

        Assert.Contains(options.Validate(),
            static p => p.StartsWith("GrainLimiter:Client:Tls:CaFile: cannot read '/no/such/ca.crt'", StringComparison.Ordinal));
        Assert.Contains(certificate.Validate(), static p => p.StartsWith("GrainLimiter:Client:Tls:CertificateFile: cannot use", StringComparison.Ordinal));
    }
}
