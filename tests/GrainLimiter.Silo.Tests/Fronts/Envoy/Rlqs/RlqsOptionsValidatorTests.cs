using GrainLimiter.Silo.Fronts.Envoy.Rlqs;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Tests.Fronts.Envoy.Rlqs;

public sealed class RlqsOptionsValidatorTests
{
    private static string[] Failures(RlqsOptions options) => new RlqsOptionsValidator().Validate(null, options).Failures?.ToArray() ?? [];

    [Fact]
    public void TheDefaultsAreValid() => Assert.Empty(Failures(new RlqsOptions()));

    [Fact]
    public void EveryBoundOutOfRangeIsNamedAsItsEnvironmentVariable()
    {
        var failures = Failures(new RlqsOptions
        {
            MaxStreamsPerSilo = 0,
            MaxBucketsPerStream = 1_000_000,
            MaxBucketIdEntries = -1,
            MaxBucketIdBytes = 8,
            IdleStreamTimeout = TimeSpan.Zero,
        });

        Assert.Equal(
        [
            "GrainLimiter__Envoy__Rlqs__MaxStreamsPerSilo: must be between 1 and 100000 (is 0).",
            "GrainLimiter__Envoy__Rlqs__MaxBucketsPerStream: must be between 1 and 100000 (is 1000000).",
            "GrainLimiter__Envoy__Rlqs__MaxBucketIdEntries: must be between 1 and 256 (is -1).",
            "GrainLimiter__Envoy__Rlqs__MaxBucketIdBytes: must be between 16 and 65536 (is 8).",
            "GrainLimiter__Envoy__Rlqs__IdleStreamTimeout: must be between 00:00:01 and 01:00:00.",
        ], failures);
    }

    [Fact]
    public async Task ABadBoundStopsTheSiloFromStarting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(async () => await RunningSilo.StartAsync(
            "policies:\n  - { name: p, limits: [ { algorithm: fixed_window, limit: 1, window: 1h } ] }\n",
            new Dictionary<string, string?> { ["GrainLimiter:Envoy:Rlqs:MaxStreamsPerSilo"] = "0" }));

        Assert.Contains("GrainLimiter__Envoy__Rlqs__MaxStreamsPerSilo: must be between 1 and 100000 (is 0).", error.Message, StringComparison.Ordinal);
    }
}
