using System.Diagnostics;
using GrainLimiter.Client.AspNetCore;
using GrainLimiter.Client.AspNetCore.Keys;
using GrainLimiter.Client.AspNetCore.RateLimiting;
using GrainLimiter.Client.Tests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace GrainLimiter.Client.Tests.Measurement;

/// <summary>What the limiter adds per request at a gateway: the same Kestrel app with and without <c>UseGrainLimiter</c>
/// (one cluster check per request, default 20 ms deadline), sequential keep-alive requests, alternating batches so both
/// see the same machine load. Prints p50/p99; asserts only that every request got an answer, nothing about time.</summary>
/// <remarks>Run: <c>dotnet test tests/GrainLimiter.Client.Tests --filter Category=Measurement --logger "console;verbosity=detailed"</c></remarks>
[Collection(SiloCollection.Name)]
[Trait("Category", "Measurement")]
public sealed class GatewayOverheadMeasurement(SiloFixture fixture, ITestOutputHelper output)
{
    private const int Batches = 20;
    private const int BatchSize = 150;
    private const int WarmUp = 300;

    [Fact]
    public async Task LimiterOverheadPerRequestAtTheGateway()
    {
        await using var plain = await TestGateway.StartAsync(null, _ => { }, app => app.MapGet("/hello", () => "hi"));
        await using var limited = await TestGateway.StartAsync(fixture.GrpcAddress,
            services => services.Configure<GrainLimiterClientOptions>(static o => o.Deadline = new GrainLimiterClientOptions().Deadline),
            app =>
            {
                app.UseGrainLimiter(o => o.Rules.Add(LimitRule.For("roomy", RequestKeys.ClientIp())));
                app.MapGet("/hello", () => "hi");
            });
        await RunAsync(plain.Http, WarmUp, []);
        await RunAsync(limited.Http, WarmUp, []);

        var plainTimes = new List<double>(Batches * BatchSize);
        var limitedTimes = new List<double>(Batches * BatchSize);
        for (var batch = 0; batch < Batches; batch++)
        {
            await RunAsync(plain.Http, BatchSize, plainTimes);
            await RunAsync(limited.Http, BatchSize, limitedTimes);
        }

        var report =
            $"gateway, {plainTimes.Count} sequential requests each, loopback, silo in-process:\n" +
            $"  no limiter   p50 {Percentile(plainTimes, 0.50):0.000} ms  p99 {Percentile(plainTimes, 0.99):0.000} ms\n" +
            $"  GrainLimiter p50 {Percentile(limitedTimes, 0.50):0.000} ms  p99 {Percentile(limitedTimes, 0.99):0.000} ms\n" +
            $"  overhead     p50 {Percentile(limitedTimes, 0.50) - Percentile(plainTimes, 0.50):0.000} ms  " +
            $"p99 {Percentile(limitedTimes, 0.99) - Percentile(plainTimes, 0.99):0.000} ms\n" +
            $"  answers from the failure mode (deadline missed): {limited.Services.GetRequiredService<GrainLimiterClient>().FailOpenCount}";
        output.WriteLine(report);
        Console.WriteLine(report);

        Assert.Equal(Batches * BatchSize, plainTimes.Count);
        Assert.Equal(Batches * BatchSize, limitedTimes.Count);
    }

    private static async Task RunAsync(HttpClient http, int requests, List<double> times)
    {
        for (var i = 0; i < requests; i++)
        {
            var start = Stopwatch.GetTimestamp();
            using var response = await http.GetAsync("/hello");
            response.EnsureSuccessStatusCode();
            times.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
        }
    }

    private static double Percentile(List<double> values, double fraction)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)Math.Ceiling(fraction * sorted.Length) - 1)];
    }
}
