using System.Net;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.Extensions.Hosting;

namespace GrainLimiter.Silo.Tests.Fronts.Grpc;

/// <summary>grpc.health.v1 reports the silo's readiness: NOT_SERVING (and /readyz 503) from the moment shutdown begins,
/// while the silo still answers, so probes and gateways move traffic away first.</summary>
public sealed class HealthShutdownTests
{
    [Fact]
    public async Task Health_turns_not_serving_when_shutdown_begins()
    {
        await using var silo = await RunningSilo.StartAsync(GrpcSiloFixture.Policies);
        var check = new { service = "grpc.health.v1.Health", method = "Check", request = new { service = "grainlimiter.v1.Limiter" } };

        var before = await NodePeer.RunAsync("calls.js", new { address = silo.GrpcAddress.Authority, calls = new[] { check } });
        // The test started the host without waiting for shutdown, so stopping only raises ApplicationStopping: Kestrel keeps serving.
        silo.Get<IHostApplicationLifetime>().StopApplication();
        var after = await NodePeer.RunAsync("calls.js", new { address = silo.GrpcAddress.Authority, calls = new[] { check } });
        using var readiness = await silo.Http.GetAsync("/readyz");

        Assert.Equal("SERVING", (string)before[0]!["response"]!["status"]!);
        Assert.Equal("NOT_SERVING", (string)after[0]!["response"]!["status"]!);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, readiness.StatusCode);
    }
}
