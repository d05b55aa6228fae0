using GrainLimiter.Protocol.V1;
using GrainLimiter.Silo.Tests.Fixtures;
using Grpc.Net.Client;

namespace GrainLimiter.Silo.Tests.Tls;

/// <summary>A renewed certificate is served without a restart, and the connections open before it stay open.</summary>
public sealed class FrontCertificateReloadTests : IDisposable
{
    private const string Policies = TlsSiloFixture.Policies;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);
    private readonly string _directory = TestCertificateFiles.NewDirectory();
    private readonly TestCertificateAuthority _authority = TestCertificateAuthority.Create();

    [Fact]
    public async Task ARenewedKubernetesSecretIsServedToNewConnectionsWhileOpenOnesStay()
    {
        var first = _authority.IssueServer("first");
        TestCertificateFiles.WriteSecretVolume(_directory, first);
        await using var silo = await RunningSilo.StartAsync(Policies,
            TestCertificateFiles.SiloSettings(Path.Combine(_directory, "tls.crt"), Path.Combine(_directory, "tls.key")));
        var openHandler = _authority.Trusting();
        using var open = GrpcChannel.ForAddress(silo.GrpcAddress, new GrpcChannelOptions { HttpHandler = openHandler });
        var limiter = new Limiter.LimiterClient(open);
        await CheckAsync(limiter);
        Assert.Equal(first.Thumbprint, await ServedThumbprintAsync(silo));

        var second = _authority.IssueServer("second");
        TestCertificateFiles.WriteSecretVolume(_directory, second);

        await Eventually.TrueAsync(async () => await ServedThumbprintAsync(silo) == second.Thumbprint, Timeout,
            "a new connection is shown the renewed certificate");
        await CheckAsync(limiter);
        Assert.Equal(1, openHandler.Connections);
        Assert.Equal(first.Thumbprint, openHandler.LastServerCertificate?.Thumbprint);
    }

    [Fact]
    public async Task FilesRewrittenInPlaceAreServedAndAMismatchedPairDoesNotStopTheNextRenewal()
    {
        var first = _authority.IssueServer("first");
        var (certificate, key) = TestCertificateFiles.WritePem(_directory, first);
        await using var silo = await RunningSilo.StartAsync(Policies, TestCertificateFiles.SiloSettings(certificate, key));

        // The certificate first, its key a moment later: between the two the files do not match.
        var second = _authority.IssueServer("second");
        await File.WriteAllTextAsync(certificate, second.ExportCertificatePem());
        await File.WriteAllTextAsync(key, TestCertificateFiles.KeyPem(second));
        await Eventually.TrueAsync(async () => await ServedThumbprintAsync(silo) == second.Thumbprint, Timeout, "the rewritten certificate is served");

        // A pair that cannot be used (the key of another certificate) is skipped; the next good pair is served.
        var third = _authority.IssueServer("third");
        await File.WriteAllTextAsync(certificate, third.ExportCertificatePem());
        await File.WriteAllTextAsync(key, TestCertificateFiles.KeyPem(_authority.IssueServer("other")));
        var fourth = _authority.IssueServer("fourth");
        await File.WriteAllTextAsync(certificate, fourth.ExportCertificatePem());
        await File.WriteAllTextAsync(key, TestCertificateFiles.KeyPem(fourth));
        await Eventually.TrueAsync(async () => await ServedThumbprintAsync(silo) == fourth.Thumbprint, Timeout, "the next good renewal is served");
    }

    private static async Task CheckAsync(Limiter.LimiterClient limiter)
    {
        var response = await limiter.CheckAsync(new CheckRequest { Checks = { new Hit { Policy = "tls", Key = $"r:{Guid.NewGuid():N}" } } },
            deadline: DateTime.UtcNow + Timeout);
        Assert.True(response.Allowed);
    }

    // A fresh connection each time: what the silo shows a client that connects now.
    private async Task<string?> ServedThumbprintAsync(RunningSilo silo)
    {
        using var handler = _authority.Trusting();
        using var http = new HttpClient(handler) { BaseAddress = silo.HttpAddress, Timeout = Timeout };
        using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        return handler.LastServerCertificate?.Thumbprint;
    }

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
