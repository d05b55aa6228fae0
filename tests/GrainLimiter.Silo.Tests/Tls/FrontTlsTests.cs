using System.Net;
using System.Net.Http.Json;
using System.Security.Authentication;
using GrainLimiter.Protocol.Envoy.RateLimit;
using GrainLimiter.Protocol.V1;
using GrainLimiter.Silo.Tests.Fixtures;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace GrainLimiter.Silo.Tests.Tls;

/// <summary>One silo serving its HTTP and gRPC endpoints over TLS, with a certificate from a test CA in PEM files.</summary>
public sealed class TlsSiloFixture : IAsyncLifetime
{
    public const string Policies = """
        policies:
          - name: tls
            limits:
              - { algorithm: token_bucket, limit: 100, window: 1h }
        """;

    private readonly string _directory = TestCertificateFiles.NewDirectory();

    public TestCertificateAuthority Authority { get; } = TestCertificateAuthority.Create();

    public TestCertificateAuthority Stranger { get; } = TestCertificateAuthority.Create("Stranger CA");

    public System.Security.Cryptography.X509Certificates.X509Certificate2 Served { get; private set; } = null!;

    public RunningSilo Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Served = Authority.IssueServer();
        var (certificate, key) = TestCertificateFiles.WritePem(_directory, Served);
        Silo = await RunningSilo.StartAsync(Policies, TestCertificateFiles.SiloSettings(certificate, key));
    }

    public async Task DisposeAsync()
    {
        await Silo.DisposeAsync();
        Authority.Dispose();
        Stranger.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

public sealed class FrontTlsTests(TlsSiloFixture fixture) : IClassFixture<TlsSiloFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task TheHttpApiAdminHealthAndMetricsAreServedOverHttps()
    {
        using var handler = fixture.Authority.Trusting();
        using var http = new HttpClient(handler) { BaseAddress = fixture.Silo.HttpAddress, Timeout = Timeout };

        using var check = await http.PostAsJsonAsync("/v1/check", new { checks = new[] { new { policy = "tls", key = $"k:{Guid.NewGuid():N}" } } });
        using var health = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        using var metrics = await http.GetAsync(new Uri("/metrics", UriKind.Relative));

        Assert.Equal("https", fixture.Silo.HttpAddress.Scheme);
        Assert.Equal(HttpStatusCode.OK, check.StatusCode);
        Assert.True((await check.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("allowed").GetBoolean());
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Equal(fixture.Served.Thumbprint, handler.LastServerCertificate?.Thumbprint);
    }

    [Fact]
    public async Task GrpcAndEnvoyRateLimitAreServedOverTls()
    {
        using var channel = GrpcChannel.ForAddress(fixture.Silo.GrpcAddress, new GrpcChannelOptions { HttpHandler = fixture.Authority.Trusting() });
        var deadline = DateTime.UtcNow + Timeout;

        var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: deadline);
        var check = await new Limiter.LimiterClient(channel).CheckAsync(
            new CheckRequest { Checks = { new Hit { Policy = "tls", Key = $"g:{Guid.NewGuid():N}" } } }, deadline: deadline);
        var envoy = await new RateLimitService.RateLimitServiceClient(channel).ShouldRateLimitAsync(new RateLimitRequest
        {
            Domain = "no-such-domain",
            Descriptors =
            {
                new GrainLimiter.Protocol.Envoy.Common.RateLimitDescriptor
                {
                    Entries = { new GrainLimiter.Protocol.Envoy.Common.RateLimitDescriptor.Types.Entry { Key = "remote_address", Value = "10.0.0.1" } }
                }
            },
        }, deadline: deadline);

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);
        Assert.True(check.Allowed);
        Assert.Equal(RateLimitResponse.Types.Code.Ok, envoy.OverallCode);
    }

    [Fact]
    public async Task AClientThatDoesNotTrustTheCaIsRefused()
    {
        using var system = new HttpClient { BaseAddress = fixture.Silo.HttpAddress, Timeout = Timeout };
        using var strangerHandler = fixture.Stranger.Trusting();
        using var stranger = new HttpClient(strangerHandler) { BaseAddress = fixture.Silo.HttpAddress, Timeout = Timeout };
        using var plain = new HttpClient { BaseAddress = new UriBuilder(fixture.Silo.HttpAddress) { Scheme = "http" }.Uri, Timeout = Timeout };
        using var channel = GrpcChannel.ForAddress(fixture.Silo.GrpcAddress, new GrpcChannelOptions { HttpHandler = fixture.Stranger.Trusting() });

        var bySystemStore = await Assert.ThrowsAsync<HttpRequestException>(() => system.GetAsync(new Uri("/healthz", UriKind.Relative)));
        var byStranger = await Assert.ThrowsAsync<HttpRequestException>(() => stranger.GetAsync(new Uri("/healthz", UriKind.Relative)));
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync(new Uri("/healthz", UriKind.Relative)));
        var grpc = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow + Timeout));

        Assert.IsType<AuthenticationException>(bySystemStore.InnerException);
        Assert.IsType<AuthenticationException>(byStranger.InnerException);
        Assert.IsType<AuthenticationException>(grpc.Status.DebugException?.InnerException);
    }
}
