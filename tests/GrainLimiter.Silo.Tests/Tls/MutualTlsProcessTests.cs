using System.Globalization;
using System.Net;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Tls;

/// <summary>Two silo processes with mutual TLS on their Orleans links, certificates from one test CA, membership and state on a
/// redis-server reached over TLS as an ACL user whose password is a file; and a third silo with a certificate from another CA.</summary>
[Collection(SiloProcessCollection.Name)]
public sealed class MutualTlsProcessTests(MutualTlsProcessTests.TlsCluster tls) : IClassFixture<MutualTlsProcessTests.TlsCluster>
{
    private const string Policies = """
        policies:
          - name: shared
            failureMode: closed
            limits:
              - { algorithm: fixed_window, limit: 10, window: 1h }
        """;

    [Fact]
    public async Task TwoSilosWithCertificatesFromTheCaFormAClusterAndDecideAKeyAcrossThem()
    {
        var cluster = tls.Cluster;
        Assert.Equal(2, (await SiloProcessCluster.MembersAsync(cluster.Silos[0])).Length);

        // 12 checks of one key, alternating between the fronts: its grain lives on one silo, so half of them cross a TLS link.
        var admitted = 0;
        for (var i = 0; i < 12; i++)
        {
            using var response = await cluster.Silos[i % 2].Http.CheckAsync("shared", "across");
            admitted += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }

        Assert.Equal(10, admitted);
    }

    [Fact]
    public async Task ASiloWithACertificateFromAnotherCaIsRefusedAndNeverBecomesActive()
    {
        var cluster = tls.Cluster;
        var (certificate, key) = tls.Stranger.IssuePem("stranger-silo");
        var settings = new Dictionary<string, string>(cluster.Settings)
        {
            ["GrainLimiter__Cluster__Tls__CertificateFile"] = certificate,
            ["GrainLimiter__Cluster__Tls__KeyFile"] = key,
            ["GrainLimiter__Cluster__Tls__CaFile"] = tls.Stranger.CertificateFile,
        };
        await using var stranger = SiloProcess.Start(SiloProcess.AllocatePorts(), cluster.PoliciesFile, settings);

        // The stranger reads the membership table (its Redis settings are right) and dials the silos to join: they refuse it.
        await Eventually.TrueAsync(() => Task.FromResult(cluster.Silos.Any(static s => s.Output.Contains("CN=stranger-silo", StringComparison.Ordinal))),
            SiloProcessCluster.StartTimeout, "a silo refused the stranger's certificate");
        await AssertLeftOutAsync(stranger);
    }

    [Fact]
    public async Task ASiloInPlainTextIsRefusedAndNeverBecomesActive()
    {
        var cluster = tls.Cluster;
        var settings = cluster.Settings.Where(static s => !s.Key.StartsWith("GrainLimiter__Cluster__Tls__", StringComparison.Ordinal))
            .ToDictionary(static s => s.Key, static s => s.Value);
        await using var stranger = SiloProcess.Start(SiloProcess.AllocatePorts(), cluster.PoliciesFile, settings);

        // Orleans' own words when a joining silo cannot reach the active ones.
        await Eventually.TrueAsync(
            () => Task.FromResult(stranger.Output.Contains("Failed to get ping responses from 2 of 2 active silos", StringComparison.Ordinal)),
            SiloProcessCluster.StartTimeout, "the plain-text silo failed to reach the TLS silos");
        await AssertLeftOutAsync(stranger);
    }

    // The cluster still lists exactly its two silos as active, the stranger is not ready, and decisions go on.
    private async Task AssertLeftOutAsync(SiloProcess stranger)
    {
        var cluster = tls.Cluster;
        foreach (var silo in cluster.Silos)
        {
            Assert.Equal(cluster.Silos.Select(static s => s.SiloEndpoint).Order(StringComparer.Ordinal), await SiloProcessCluster.MembersAsync(silo));
        }

        Assert.False(await IsReadyAsync(stranger));
        using var response = await cluster.Silos[1].Http.CheckAsync("shared", $"after-{Guid.NewGuid():N}");
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
    }

    private static async Task<bool> IsReadyAsync(SiloProcess silo)
    {
        try
        {
            using var response = await silo.Http.GetAsync(new Uri("/readyz", UriKind.Relative));
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    /// <summary>The CAs, the TLS + ACL redis-server and the two silos, started once for the class.</summary>
    public sealed class TlsCluster : IAsyncLifetime
    {
        private readonly TestCertificates _certificates = new();
        private RedisServerProcess _redis = null!;

        public TestAuthority Authority { get; private set; } = null!;

        public TestAuthority Stranger { get; private set; } = null!;

        public SiloProcessCluster Cluster { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Authority = _certificates.CreateAuthority("cluster");
            Stranger = _certificates.CreateAuthority("stranger");
            // The user may touch the state keys and the membership table (ServiceId/members/ClusterId), nothing else.
            _redis = await RedisServerProcess.StartRedisWithTlsAsync(Authority,
                "--requirepass", "default-secret", "--user", "limiter", "on", ">limiter-secret", "~c*", "~grainlimiter/members/*", "+@all");
            var passwordFile = Path.Combine(_certificates.Folder, "redis-password");
            await File.WriteAllTextAsync(passwordFile, "limiter-secret\n");
            var (certificate, key) = Authority.IssuePem("silo");
            Cluster = await SiloProcessCluster.StartAsync(2, Policies, _redis, new Dictionary<string, string>
            {
                ["GrainLimiter__Redis"] = string.Create(CultureInfo.InvariantCulture,
                    $"localhost:{_redis.TlsPort},ssl=true,sslCaFile={Authority.CertificateFile},user=limiter,passwordFile={passwordFile}"),
                // A grain call past the 2 s default would be answered by the fail-closed mode: a starved machine, not TLS.
                ["GrainLimiter__Cluster__ResponseTimeout"] = "00:00:15",
                ["GrainLimiter__Cluster__Tls__Enabled"] = "true",
                ["GrainLimiter__Cluster__Tls__CertificateFile"] = certificate,
                ["GrainLimiter__Cluster__Tls__KeyFile"] = key,
                ["GrainLimiter__Cluster__Tls__CaFile"] = Authority.CertificateFile,
            });
        }

        public async Task DisposeAsync()
        {
            await Cluster.DisposeAsync();
            await _redis.DisposeAsync();
            Authority.Dispose();
            Stranger.Dispose();
            _certificates.Dispose();
        }
    }
}
