using System.Net;
using GrainLimiter.Client.Tests.Fixtures;

namespace GrainLimiter.Client.Tests.samples;

/// <summary>The sample gateway started twice as separate processes (<c>dotnet GrainLimiter.Samples.Gateway.dll</c>): one API key's
/// budget (api-free: 10 per hour here) holds across both, because the cluster decides.</summary>
[Collection(SiloCollection.Name)]
public sealed class TwoGatewayProcessesTests(SiloFixture fixture)
{
    [Fact]
    public async Task OneKeysLimitHoldsAcrossTwoGatewayProcesses()
    {
        await using var first = await SampleGatewayProcess.StartAsync(fixture.GrpcAddress);
        await using var second = await SampleGatewayProcess.StartAsync(fixture.GrpcAddress);
        SampleGatewayProcess[] gateways = [first, second];

        var apiKey = "free_" + Guid.NewGuid().ToString("N");
        var admittedBy = new int[2];
        var denied = 0;
        for (var request = 0; request < 16; request++)
        {
            var gateway = request % 2;
            using var message = new HttpRequestMessage(HttpMethod.Get, "/api/orders");
            message.Headers.Add("X-Api-Key", apiKey);
            using var response = await gateways[gateway].Http.SendAsync(message);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                admittedBy[gateway]++;
            }
            else
            {
                Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
                Assert.True(response.Headers.Contains("Retry-After"));
                denied++;
            }
        }

        Assert.Equal(10, admittedBy.Sum());
        Assert.Equal(6, denied);
        Assert.All(admittedBy, static n => Assert.Equal(5, n));
    }

    [Fact]
    public async Task TheFirstRequestAfterStartIsDecidedByTheCluster()
    {
        // A deadline no loaded machine misses: this is about the gateway being wired to the cluster and warmed before it
        // serves. How long the first decision takes against the default 20 ms is FirstRequestMeasurement's figure.
        await using var gateway = await SampleGatewayProcess.StartAsync(fixture.GrpcAddress, deadline: "00:00:10");

        using var response = await gateway.Http.GetAsync(new Uri("/", UriKind.Relative));

        // The failure mode would answer without headers: these come from the silo's decision (per-ip: 100 000 a second).
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("100000", Assert.Single(response.Headers.GetValues("X-RateLimit-Limit")));
        Assert.StartsWith("\"per-ip\";q=100000", Assert.Single(response.Headers.GetValues("RateLimit-Policy")), StringComparison.Ordinal);
        Assert.True(response.Headers.Contains("RateLimit"));
    }
}
