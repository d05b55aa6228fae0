using System.Diagnostics;
using System.Reflection;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Client.Tests.Fixtures;

/// <summary>The sample gateway (<c>dotnet GrainLimiter.Samples.Gateway.dll</c>) as its own process on a free loopback port, asking
/// the silo at <c>grpcAddress</c>; started once it answers <c>/healthz</c>, killed on dispose.</summary>
public sealed class SampleGatewayProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private readonly Process _process;

    private SampleGatewayProcess(Process process, Uri address)
    {
        _process = process;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public HttpClient Http { get; }

    /// <summary>Starts a gateway; a null <paramref name="deadline"/> keeps the client's default (20 ms).</summary>
    public static async Task<SampleGatewayProcess> StartAsync(Uri grpcAddress, string? deadline = "00:00:05")
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
                ["GrainLimiter__Client__Endpoints__0"] = grpcAddress.ToString(),
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
        var gateway = new SampleGatewayProcess(process, address);
        try
        {
            await Eventually.TrueAsync(async () => !process.HasExited ? await gateway.IsHealthyAsync() : throw new InvalidOperationException($"gateway exited with {process.ExitCode}"),
                StartTimeout, "the gateway answers /healthz");
            return gateway;
        }
        catch
        {
            await gateway.DisposeAsync();
            throw;
        }
    }

    private async Task<bool> IsHealthyAsync()
    {
        try
        {
            using var health = await Http.GetAsync(new Uri("/healthz", UriKind.Relative));
            return health.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false; // not listening yet
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        _process.Dispose();
    }

    // client/samples/Gateway/bin/<configuration>/net10.0/, built before the tests (project reference without the assembly).
    private static string GatewayDll()
    {
        var configuration = typeof(SampleGatewayProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
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
