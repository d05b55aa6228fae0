using System.Diagnostics;
using GrainLimiter.Client.Tests.Fixtures;
using Xunit.Abstractions;

namespace GrainLimiter.Client.Tests.Measurement;

/// <summary>How long a fresh gateway process's first request takes with the client's default 20 ms deadline, and whether the cluster
/// or the failure mode decided it (the failure mode answers without RateLimit headers). Prints the figures; asserts only that
/// every gateway answered, nothing about time.</summary>
/// <remarks>Run: <c>dotnet test tests/GrainLimiter.Client.Tests -c Release --filter Category=Measurement --logger "console;verbosity=detailed"</c></remarks>
[Collection(SiloCollection.Name)]
[Trait("Category", "Measurement")]
public sealed class FirstRequestMeasurement(SiloFixture fixture, ITestOutputHelper output)
{
    private const int Gateways = 3;

    [Fact]
    public async Task FirstRequestOfAFreshGatewayWithTheDefaultDeadline()
    {
        // The silo is warm (its first decision is not what this measures); each gateway process is fresh.
        using (var warm = fixture.NewClient())
        {
            for (var i = 0; i < 3; i++)
            {
                await warm.CheckAsync("per-ip", SiloFixture.UniqueKey("warm-up"));
            }
        }

        var lines = new List<string>();
        for (var i = 0; i < Gateways; i++)
        {
            await using var gateway = await SampleGatewayProcess.StartAsync(fixture.GrpcAddress, deadline: null);
            var started = Stopwatch.GetTimestamp();
            using var response = await gateway.Http.GetAsync(new Uri("/", UriKind.Relative));
            var took = Stopwatch.GetElapsedTime(started);

            response.EnsureSuccessStatusCode();
            var decidedBy = response.Headers.Contains("RateLimit") ? "the cluster" : "the failure mode (deadline missed)";
            lines.Add($"  gateway {i + 1}: first request {took.TotalMilliseconds:0.0} ms, decided by {decidedBy}");
        }

        var report = $"first request of a fresh sample gateway process (default 20 ms deadline, silo warm, "
            + $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}):\n"
            + string.Join('\n', lines);
        output.WriteLine(report);
        Console.WriteLine(report);
        Assert.Equal(Gateways, lines.Count);
    }
}
