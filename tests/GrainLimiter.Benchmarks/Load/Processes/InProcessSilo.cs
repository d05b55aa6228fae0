using System.Globalization;
using GrainLimiter.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Benchmarks.Load.Processes;

/// <summary>
/// A real GrainLimiter silo (Orleans silo and its fronts, localhost clustering, in-memory storage) in this process, on
/// free loopback ports, with the benchmark's policy file. Its <see cref="GrainFactory"/> makes local grain calls: no
/// network, no front, the floor the fronts are measured against.
/// </summary>
internal sealed class InProcessSilo : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly string _directory;

    private InProcessSilo(WebApplication app, string directory)
    {
        _app = app;
        _directory = directory;
        GrainFactory = app.Services.GetRequiredService<IGrainFactory>();
    }

    public IGrainFactory GrainFactory { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>A silo with the benchmark's policies (<see cref="SiloProcess.PoliciesYaml"/>).</summary>
    public static Task<InProcessSilo> StartAsync(BenchLimits limits, int maxActiveGrains, CancellationToken cancellationToken) =>
        StartAsync(SiloProcess.PoliciesYaml(limits), maxActiveGrains, cancellationToken);

    public static async Task<InProcessSilo> StartAsync(string policiesYaml, int maxActiveGrains, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("grainlimiter-bench-inproc-").FullName;
        var policies = Path.Combine(directory, "policies.yaml");
        await File.WriteAllTextAsync(policies, policiesYaml, cancellationToken).ConfigureAwait(false);
        string Port() => FreePort.Next().ToString(CultureInfo.InvariantCulture);
        var settings = new Dictionary<string, string?>
        {
            ["GrainLimiter:PoliciesFile"] = policies,
            ["GrainLimiter:MaxActiveGrains"] = maxActiveGrains.ToString(CultureInfo.InvariantCulture),
            ["GrainLimiter:Cluster:SiloPort"] = Port(),
            ["GrainLimiter:Cluster:GatewayPort"] = Port(),
            ["GrainLimiter:Cluster:ClusterId"] = $"bench-inproc-{Guid.NewGuid():N}",
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{Port()}",
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{Port()}",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        var app = SiloApp.Build([], builder => builder.Configuration.AddInMemoryCollection(settings));
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return new InProcessSilo(app, directory);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }
}
