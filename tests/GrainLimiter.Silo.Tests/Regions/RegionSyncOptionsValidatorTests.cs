using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Regions;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Tests.Regions;

public sealed class RegionSyncOptionsValidatorTests
{
    private static string[] Failures(RegionSyncOptions options, string region = "eu") =>
        new RegionSyncOptionsValidator(Options.Create(new SiloOptions { Region = region })).Validate(null, options).Failures?.ToArray() ?? [];

    [Fact]
    public void NoPeersIsOneRegionAndValid() => Assert.Empty(Failures(new RegionSyncOptions()));

    [Fact]
    public void EveryBadSettingIsNamedAsItsEnvironmentVariable()
    {
        var failures = Failures(new RegionSyncOptions
        {
            Peers = [new() { Name = "us", Url = "http://us:8081" }, new() { Name = "eu", Url = "ftp://x" }, new() { Url = "not a url" }],
            Secret = "short",
            SyncInterval = TimeSpan.Zero,
            BatchSize = 0,
        });

        Assert.Contains(failures, f => f.StartsWith("GrainLimiter__Regions__Peers__1__Name: 'eu' is this region", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("GrainLimiter__Regions__Peers__1__Url: must be the http:// or https:// URL", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("GrainLimiter__Regions__Peers__2__Name: is required", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("GrainLimiter__Regions__Peers__2__Url:", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("GrainLimiter__Regions__Secret: is required with peer regions", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("GrainLimiter__Regions__SyncInterval:", StringComparison.Ordinal));
        Assert.Contains(failures, f => f.StartsWith("GrainLimiter__Regions__BatchSize:", StringComparison.Ordinal));
        Assert.DoesNotContain(failures, f => f.Contains("Peers__0", StringComparison.Ordinal));
    }

    [Fact]
    public void ACaFileThatIsMissingOrNotPemIsNamed()
    {
        var notPem = Path.GetTempFileName();
        File.WriteAllText(notPem, "not a certificate");
        try
        {
            var missing = Failures(new RegionSyncOptions { CaFile = "/no/such/ca.crt" });
            var garbage = Failures(new RegionSyncOptions { CaFile = notPem });

            Assert.Contains("GrainLimiter__Regions__CaFile: file '/no/such/ca.crt' does not exist.", missing);
            Assert.Contains($"GrainLimiter__Regions__CaFile: '{notPem}' holds no PEM certificate.", garbage);
        }
        finally
        {
            File.Delete(notPem);
        }
    }

    [Fact]
    public async Task ABadRegionSettingStopsTheSiloFromStarting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await Fixtures.RunningSilo.StartAsync(
            "policies:\n  - { name: p, scope: global, limits: [ { algorithm: fixed_window, limit: 1, window: 1s } ] }\n",
            new Dictionary<string, string?> { ["GrainLimiter:Regions:Peers:0:Name"] = "us", ["GrainLimiter:Regions:Peers:0:Url"] = "http://127.0.0.1:1" }));

        Assert.Contains("GrainLimiter__Regions__Secret: is required with peer regions", error.Message, StringComparison.Ordinal);
    }
}
