using System.Diagnostics;
using System.Net;
using System.Reflection;
using GrainLimiter.Client.Tests.Fixtures;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Client.Tests.samples;

/// <summary>The sample gateway started twice as separate processes (<c>dotnet GrainLimiter.Samples.Gateway.dll</c>): one API key's
/// budget (api-free: 10 per hour here) holds across both, because the cluster decides.</summary>
[Collection(SiloCollection.Name)]
public sealed class TwoGatewayProcessesTests(SiloFixture fixture)
{
    [Fact]
    public async Task OneKeysLimitHoldsAcrossTwoGatewayProcesses()
    {
        var gateways = new List<(Process Process, HttpClient Http)>();
        try
        {
            for (var i = 0; i < 2; i++)
            {
                gateways.Add(await StartGatewayAsync());
            }

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
        finally
        {
            foreach (var (process, http) in gateways)
            {
                http.Dispose();
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }

                await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
                process.Dispose();
            }
        }
    }

    [Fact]
    public async Task TheFirstRequestAfterStartIsDecidedByTheClusterWithinTheDefaultDeadline()
    {
        // The silo is warm (its first decision is not what this test is about); the gateway process is fresh.
        using (var warm = fixture.NewClient())
        {
            for (var i = 0; i < 3; i++)
            {
                Assert.False((await warm.CheckAsync("per-ip", SiloFixture.UniqueKey("warm-up"))).IsFallback);
            }
        }

        var (process, http) = await StartGatewayAsync(deadline: null);
        try
        {
            using var response = await http.GetAsync("/");

            // The failure mode would answer without headers: these come from the silo's decision (per-ip: 100 000 a second).
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal("100000", Assert.Single(response.Headers.GetValues("X-RateLimit-Limit")));
            Assert.StartsWith("\"per-ip\";q=100000", Assert.Single(response.Headers.GetValues("RateLimit-Policy")), StringComparison.Ordinal);
            Assert.True(response.Headers.Contains("RateLimit"));
        }
        finally
        {
            http.Dispose();
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            process.Dispose();
        }
    }

    /// <summary>Starts the sample gateway; a null <paramref name="deadline"/> keeps the client's default (20 ms).</summary>
    private async Task<(Process, HttpClient)> StartGatewayAsync(string? deadline = "00:00:05")
    {
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var start = new ProcessStartInfo("dotnet", [GatewayDll()])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(GatewayDll())!,
            Environment =
            {
                ["ASPNETCORE_URLS"] = address.ToString(),
                ["GrainLimiter__Client__Endpoints__0"] = fixture.GrpcAddress.ToString(),
                ["Logging__LogLevel__Default"] = "Warning",
            },
        };
        if (deadline is not null)
        {
            start.Environment["GrainLimiter__Client__Deadline"] = deadline;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("dotnet did not start");
        process.OutputDataReceived += static (_, _) => { };
        process.ErrorDataReceived += static (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(process.HasExited, $"gateway exited with {(process.HasExited ? process.ExitCode : 0)}");
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "gateway did not answer /healthz within 60 s");
            try
            {
                using var health = await http.GetAsync("/healthz");
                if (health.IsSuccessStatusCode)
                {
                    return (process, http);
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }
    }

    // client/samples/Gateway/bin/<configuration>/net10.0/, built before the tests (project reference without the assembly).
    private static string GatewayDll()
    {
        var configuration = typeof(TwoGatewayProcessesTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "GrainLimiter.sln")))
        {
            directory = directory.Parent;
        }

        var dll = Path.Combine(directory!.FullName, "client", "samples", "Gateway", "bin", configuration, "net10.0", "GrainLimiter.Samples.Gateway.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing; build the solution first");
        return dll;
    }
}
