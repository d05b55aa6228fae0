using System.Globalization;
using GrainLimiter.Client.Decisions;
using GrainLimiter.Client.Orleans;
using GrainLimiter.Client.Tests.Fixtures;
using GrainLimiter.Silo.Tests.Fixtures;
using GrainLimiter.Tls;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.Orleans;

/// <summary>The Orleans transport to a silo whose gateway requires mutual TLS: a client with a certificate from the silo's CA joins
/// and checks; one from another CA, or in plain text, is refused at the handshake and answers from its failure modes.</summary>
public sealed class OrleansTransportTlsTests : IAsyncLifetime
{
    private readonly TestCertificates _certificates = new();
    private readonly string _clusterId = $"tls-{Guid.NewGuid():N}";
    private readonly string _gateway = $"127.0.0.1:{FreePort.Next().ToString(CultureInfo.InvariantCulture)}";
    private TestAuthority _authority = null!;
    private TestAuthority _stranger = null!;
    private RunningSilo _silo = null!;

    public async Task InitializeAsync()
    {
        _authority = _certificates.CreateAuthority("cluster");
        _stranger = _certificates.CreateAuthority("stranger");
        var (certificate, key) = _authority.IssuePem("silo");
        _silo = await RunningSilo.StartAsync(TestPolicies.Yaml, new Dictionary<string, string?>
        {
            ["GrainLimiter:Cluster:ClusterId"] = _clusterId,
            ["GrainLimiter:Cluster:GatewayPort"] = _gateway[(_gateway.LastIndexOf(':') + 1)..],
            ["GrainLimiter:Cluster:Tls:Enabled"] = "true",
            ["GrainLimiter:Cluster:Tls:CertificateFile"] = certificate,
            ["GrainLimiter:Cluster:Tls:KeyFile"] = key,
            ["GrainLimiter:Cluster:Tls:CaFile"] = _authority.CertificateFile,
        }, static builder => builder.Logging.AddFakeLogging());
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        _authority.Dispose();
        _stranger.Dispose();
        _certificates.Dispose();
    }

    [Fact]
    public async Task AClientWithACertificateFromTheCaJoinsAndChecks()
    {
        var (certificate, key) = _authority.IssuePem("gateway", server: false);
        using var client = Client(new OrleansTlsOptions { Enabled = true, CertificateFile = certificate, KeyFile = key, CaFile = _authority.CertificateFile });

        Assert.Equal(1, await client.WarmUpAsync(TimeSpan.FromSeconds(30)));
        var decision = await client.CheckAsync("api-free", "tls:joined");

        Assert.True(decision.Allowed);
        Assert.False(decision.IsFallback);
    }

    [Fact]
    public async Task AClientWithACertificateFromAnotherCaIsRefusedByTheGateway()
    {
        // It trusts the silo's CA too, so only the gateway's check of its certificate stands in its way.
        var pfx = _stranger.IssuePfx("stranger-gateway", "pfx-password");
        var both = _certificates.Bundle("both", _authority, _stranger);
        using var client = Client(new OrleansTlsOptions { Enabled = true, CertificateFile = pfx, CertificatePassword = "pfx-password", CaFile = both });

        await Eventually.TrueAsync(() => Task.FromResult(Logged("Refused an Orleans connection", "CN=stranger-gateway")), TimeSpan.FromSeconds(30),
            "the gateway refused the stranger's certificate");
        await AssertAnsweredByFailureModeAsync(client);
    }

    [Fact]
    public async Task APlainTextClientCannotJoinATlsGateway()
    {
        using var client = Client(new OrleansTlsOptions());

        await Eventually.TrueAsync(() => Task.FromResult(Logged("Authentication failed")), TimeSpan.FromSeconds(30),
            "the gateway failed a plain-text handshake");
        await AssertAnsweredByFailureModeAsync(client);
    }

    [Fact]
    public void AClientCertificateTheCaDidNotSignStopsTheClientNamingTheSetting()
    {
        var (certificate, key) = _stranger.IssuePem("mixed-up", server: false);

        var error = Assert.Throws<ArgumentException>(() =>
            Client(new OrleansTlsOptions { Enabled = true, CertificateFile = certificate, KeyFile = key, CaFile = _authority.CertificateFile }));

        Assert.Contains(
            "GrainLimiter:Client:Orleans:Tls:CertificateFile: 'CN=mixed-up' would be refused by peers trusting GrainLimiter:Client:Orleans:Tls:CaFile",
            error.Message, StringComparison.Ordinal);
    }

    private GrainLimiterClient Client(OrleansTlsOptions tls) => GrainLimiterOrleansClient.Create(
        new GrainLimiterClientOptions { Deadline = TimeSpan.FromSeconds(5) },
        new OrleansTransportOptions { ClusterId = _clusterId, Gateways = [_gateway], Tls = tls });

    private bool Logged(params string[] parts) => _silo.Get<FakeLogCollector>().GetSnapshot()
        .Any(record => parts.All(part => record.Message.Contains(part, StringComparison.Ordinal)
            || (record.Exception?.ToString().Contains(part, StringComparison.Ordinal) ?? false)));

    private static async Task AssertAnsweredByFailureModeAsync(GrainLimiterClient client)
    {
        Assert.Equal(0, await client.WarmUpAsync(TimeSpan.FromSeconds(1)));
        var decision = await client.CheckAsync("api-free", "tls:refused");
        Assert.True(decision.IsFallback);
        Assert.Equal(ClusterDecision.ClusterUnavailableReason, decision.Reason);
    }
}
