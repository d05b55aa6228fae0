using System.Text.Json;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Regions;

/// <summary>Two regions (in-process silos) pushing global counts to each other's gRPC port over TLS, trusting a private CA.</summary>
public sealed class RegionSyncTlsTests : IDisposable
{
    private const string Policies = """
        policies:
          - name: plan
            scope: global
            limits:
              - { algorithm: fixed_window, limit: 1000, window: 1d }
        """;

    private readonly string _directory = TestCertificateFiles.NewDirectory();
    private readonly TestCertificateAuthority _authority = TestCertificateAuthority.Create();

    [Fact]
    public async Task CountsOfAGlobalKeyReachThePeerRegionOverTls()
    {
        await WindowRoom.AwaitAsync(TimeSpan.FromDays(1), TimeSpan.FromMinutes(5));
        var (certificate, key) = TestCertificateFiles.WritePem(_directory, _authority.IssueServer());
        var caFile = _authority.WriteCertificate(_directory);
        var eu = Region("eu", certificate, key, caFile);
        var us = Region("us", certificate, key, caFile);
        Peer(eu, "us", us);
        Peer(us, "eu", eu);
        await using var euSilo = await RunningSilo.StartAsync(Policies, eu);
        await using var usSilo = await RunningSilo.StartAsync(Policies, us);
        using var handler = _authority.Trusting();
        using var euHttp = new HttpClient(handler, disposeHandler: false) { BaseAddress = euSilo.HttpAddress, Timeout = TimeSpan.FromSeconds(30) };
        using var usHttp = new HttpClient(handler, disposeHandler: false) { BaseAddress = usSilo.HttpAddress, Timeout = TimeSpan.FromSeconds(30) };
        var globalKey = $"tenant:{Guid.NewGuid():N}";

        for (var i = 0; i < 5; i++)
        {
            using var check = await euHttp.PostAsync(new Uri("/v1/check", UriKind.Relative),
                new StringContent($$"""{"checks":[{"policy":"plan","key":"{{globalKey}}"}]}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.OK, check.StatusCode);
        }

        await Eventually.TrueAsync(async () => await RemainingAsync(usHttp, globalKey) == 995, TimeSpan.FromSeconds(30),
            "us counts the 5 hits eu pushed over TLS");
    }

    private Dictionary<string, string?> Region(string name, string certificate, string key, string caFile)
    {
        var settings = TestCertificateFiles.SiloSettings(certificate, key);
        settings["GrainLimiter:Region"] = name;
        settings["GrainLimiter:Regions:Secret"] = RegionClusters.Secret;
        settings["GrainLimiter:Regions:CaFile"] = caFile;
        settings["GrainLimiter:Regions:SyncInterval"] = "00:00:00.100";
        return settings;
    }

    // Peers are addressed by name (localhost), so the certificate's name is checked as it would be between real regions.
    private static void Peer(Dictionary<string, string?> region, string name, Dictionary<string, string?> peer)
    {
        region["GrainLimiter:Regions:Peers:0:Name"] = name;
        region["GrainLimiter:Regions:Peers:0:Url"] = new UriBuilder(peer["Kestrel:Endpoints:Grpc:Url"]!) { Host = "localhost" }.Uri.ToString();
    }

    private static async Task<long> RemainingAsync(HttpClient http, string key)
    {
        var usage = await http.GetStringAsync(new Uri($"/v1/limits/plan/{key}", UriKind.Relative));
        return JsonDocument.Parse(usage).RootElement.GetProperty("remaining").GetInt64();
    }

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
