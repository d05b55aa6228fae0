using System.Text.Json;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.K8s;

/// <summary>A silo process given what a pod gives it (downward API variables, the API server's address) without a Kubernetes API to call.</summary>
[Collection(SiloProcessCollection.Name)]
public sealed class PodEnvironmentProcessTests(RedisServerFixture redis)
{
    private const string Policies = """
        policies:
          - name: p
            limits:
              - { algorithm: fixed_window, limit: 10, window: 1h }
        """;

    [Fact]
    public async Task InAPodTheSiloRunsWithoutKubernetesHostingUnlessAskedAndIsNamedAfterThePod()
    {
        // Microsoft.Orleans.Hosting.Kubernetes would call this API server (nothing listens there) and fail the start.
        await using var cluster = await SiloProcessCluster.StartAsync(1, Policies, redis.Server, new Dictionary<string, string>
        {
            ["POD_NAME"] = "grainlimiter-7c9f-x2k4q",
            ["POD_NAMESPACE"] = "limits",
            ["POD_IP"] = "127.0.0.1",
            ["KUBERNETES_SERVICE_HOST"] = "127.0.0.1",
            ["KUBERNETES_SERVICE_PORT"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GrainLimiter__Cluster__SiloName"] = "grainlimiter-7c9f-x2k4q",
        });
        var silo = cluster.Silos[0];

        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/cluster");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SiloProcess.AdminToken);
        using var response = await silo.Http.SendAsync(request);
        using var view = JsonDocument.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync());
        var member = Assert.Single(view.RootElement.GetProperty("silos").EnumerateArray());
        Assert.Equal("grainlimiter-7c9f-x2k4q", member.GetProperty("name").GetString());
        Assert.Equal(System.Net.HttpStatusCode.OK,
            (await silo.Http.PostAsync(new Uri("/v1/check", UriKind.Relative), SiloProcessCluster.CheckBody(("p", "k")))).StatusCode);
    }
}
