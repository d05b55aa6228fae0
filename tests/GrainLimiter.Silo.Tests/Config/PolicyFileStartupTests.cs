using GrainLimiter.Config;

namespace GrainLimiter.Silo.Tests.Config;

/// <summary>A silo refuses to start on an invalid policy file (the loader's own tests are in GrainLimiter.Config.Tests).</summary>
public sealed class PolicyFileStartupTests
{
    [Fact]
    public async Task AnInvalidFileStopsTheSiloFromStarting()
    {
        var error = await Assert.ThrowsAsync<PolicyFileException>(() =>
            Fixtures.RunningSilo.StartAsync("policies:\n  - name: broken\n    limits:\n      - { algorithm: nope, limit: 1 }\n"));

        Assert.Contains("'broken': limits[0].algorithm", error.Message);
    }
}
