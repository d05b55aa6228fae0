using System.Globalization;
using GrainLimiter.Silo.Tests.Fixtures;
using Xunit.Abstractions;

namespace GrainLimiter.Silo.Tests.Fronts.Envoy.Rlqs;

/// <summary>RLQS streams over a cluster of three silo processes (Redis membership and storage): a stream whose silo is
/// killed reconnects to another silo and gets its bucket back, and the assignments in force never exceed the limit.</summary>
[Collection(SiloProcessCollection.Name)]
public sealed class QuotaStreamFailoverTests(RedisServerFixture redis, ITestOutputHelper output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    [Fact]
    public async Task A_stream_whose_silo_dies_reconnects_to_another_silo_and_gets_its_bucket_back()
    {
        await using var cluster = await SiloProcessCluster.StartAsync(3, RlqsSiloFixture.Policies, redis.Server);
        var bucket = new Dictionary<string, string> { ["name"] = "shared-api", ["test"] = Guid.NewGuid().ToString("N")[..12] };
        await using var a = new SimulatedEnvoy("envoy-a", "envoy", bucket, Interval) { Demand = 150 };
        await using var b = new SimulatedEnvoy("envoy-b", "envoy", bucket, Interval) { Demand = 150 };
        await a.ConnectAsync(Grpc(cluster.Silos[0]));
        await b.ConnectAsync(Grpc(cluster.Silos[1]));
        await Eventually.TrueAsync(() => Task.FromResult(a.Share == 50 && b.Share == 50), TimeSpan.FromSeconds(30), "A (silo 0) and B (silo 1) get 50 each");

        var before = a.Assignments.Count;
        cluster.Silos[0].Kill();
        await Eventually.TrueAsync(() => Task.FromResult(a.Failure is not null), TimeSpan.FromSeconds(30), "A's stream fails with its silo");
        output.WriteLine($"silo 0 killed: A's stream failed with {a.Failure!.StatusCode}; A reconnects to silo 2");
        await a.ConnectAsync(Grpc(cluster.Silos[2]));
        await Eventually.TrueAsync(() => Task.FromResult(a.Assignments.Count > before && a.Share == 50 && b.Share == 50), TimeSpan.FromSeconds(60),
            "A, reconnected to silo 2, gets its half again");

        var most = SimulatedEnvoy.MostInForce([a, b]);
        foreach (var line in SimulatedEnvoy.Timeline([a, b]))
        {
            output.WriteLine(line);
        }

        Assert.True(most <= 100, $"assignments in force reached {most}");
    }

    private static string Grpc(SiloProcess silo) => $"127.0.0.1:{silo.GrpcPort.ToString(CultureInfo.InvariantCulture)}";
}
