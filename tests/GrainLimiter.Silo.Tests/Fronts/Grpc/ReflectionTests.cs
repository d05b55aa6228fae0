namespace GrainLimiter.Silo.Tests.Fronts.Grpc;

/// <summary>gRPC server reflection (what <c>grpcurl -plaintext host:8081 list</c> reads), asked by a real reflection client
/// (grpc-js-reflection-client over @grpc/grpc-js), in both protocol versions.</summary>
[Collection(GrpcSiloCollection.Name)]
public sealed class ReflectionTests(GrpcSiloFixture silo)
{
    [Fact]
    public async Task Reflection_lists_every_service_and_the_limiter_methods()
    {
        var result = (await NodePeer.RunAsync("reflection.js", new { address = silo.GrpcAddress, service = "grainlimiter.v1.Limiter" }))[0]!;

        string[] services =
        [
            "envoy.service.ratelimit.v3.RateLimitService",
            "grainlimiter.v1.Limiter",
            "grpc.health.v1.Health",
            "grpc.reflection.v1.ServerReflection",
            "grpc.reflection.v1alpha.ServerReflection",
        ];
        foreach (var version in new[] { "v1", "v1alpha" })
        {
            var listed = result[version]!.AsArray().Select(s => (string)s!).ToArray();
            Assert.All(services.Where(s => !s.StartsWith("grpc.reflection", StringComparison.Ordinal)), s => Assert.Contains(s, listed));
        }

        Assert.Equal(["Acquire", "Check", "CheckBatch", "CheckStream", "Get", "Pause", "Release", "Report", "Reserve"],
            result["methods"]!.AsArray().Select(m => (string)m!));
    }
}
