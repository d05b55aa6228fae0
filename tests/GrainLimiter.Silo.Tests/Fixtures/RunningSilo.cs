using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>A real silo (Kestrel on loopback) in this process, with its own policy file and settings.</summary>
public sealed class RunningSilo : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _policiesFile;

    private RunningSilo(WebApplication app, string policiesFile, Uri httpAddress, Uri grpcAddress)
    {
        _app = app;
        _policiesFile = policiesFile;
        HttpAddress = httpAddress;
        GrpcAddress = grpcAddress;
        Http = new HttpClient { BaseAddress = httpAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    public Uri HttpAddress { get; }

    public Uri GrpcAddress { get; }

    public HttpClient Http { get; }

    /// <summary>The silo's policy file (a temporary file of its own), for tests that change it.</summary>
    public string PoliciesFile => _policiesFile;

    public IServiceProvider Services => _app.Services;

    public T Get<T>() where T : notnull => _app.Services.GetRequiredService<T>();

    public static async Task<RunningSilo> StartAsync(string policiesYaml, IDictionary<string, string?>? settings = null,
        Action<WebApplicationBuilder>? configure = null)
    {
        var policiesFile = Path.Combine(Path.GetTempPath(), $"grainlimiter-policies-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(policiesFile, policiesYaml);
        var configuration = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["GrainLimiter:PoliciesFile"] = policiesFile,
            // Several silos run in one test process: each its own Orleans ports.
            ["GrainLimiter:Cluster:SiloPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["GrainLimiter:Cluster:GatewayPort"] = FreePort.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Logging:LogLevel:Default"] = "Warning",
            // The product's 2 s fails a grain call fast; a test machine loaded by other builds can take that long, and a test
            // answered by the failure mode instead of the grain would fail by bad luck. Tests of timeouts set their own.
            ["GrainLimiter:Cluster:ResponseTimeout"] = "00:00:30",
            // Likewise the check's own bound (5 s): a check is shed only where a test asks for it.
            ["GrainLimiter:CheckTimeout"] = "00:00:30",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        // Settings may give the endpoints (https://, or a port known to a peer before the silo starts).
        var http = new Uri(configuration["Kestrel:Endpoints:Http:Url"]!);
        var grpc = new Uri(configuration["Kestrel:Endpoints:Grpc:Url"]!);
        var app = SiloApp.Build([], builder =>
        {
            builder.Configuration.AddInMemoryCollection(configuration);
            configure?.Invoke(builder);
        });
        await app.StartAsync();
        return new RunningSilo(app, policiesFile, http, grpc);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
        File.Delete(_policiesFile);
    }
}
