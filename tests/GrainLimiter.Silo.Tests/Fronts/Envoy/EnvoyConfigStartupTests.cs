using GrainLimiter.Config.Envoy;
using GrainLimiter.Silo.Fronts.Envoy;
using GrainLimiter.Silo.Tests.Fronts.Grpc;

namespace GrainLimiter.Silo.Tests.Fronts.Envoy;

/// <summary>A silo refuses to start on an invalid descriptor file (the loader's own tests are in GrainLimiter.Config.Tests).</summary>
public sealed class EnvoyConfigStartupTests
{
    [Fact]
    public async Task Invalid_file_stops_the_silo_before_it_serves()
    {
        var file = Path.Combine(Path.GetTempPath(), $"grainlimiter-envoy-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(file, "domain: x\ndescriptors:\n  - key: k\n    rate_limit: { unit: weekly }\n");
        try
        {
            var error = await Assert.ThrowsAsync<EnvoyConfigException>(() => Fixtures.RunningSilo.StartAsync(GrpcSiloFixture.Policies,
                new Dictionary<string, string?> { [$"{EnvoyOptions.Section}:ConfigPaths:0"] = file }));
            Assert.Contains($"{file} (line 4, column 25): descriptors[0].rate_limit.unit: 'weekly' is not a unit", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
