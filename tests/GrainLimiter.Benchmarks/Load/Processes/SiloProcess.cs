using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Benchmarks.Load.Processes;

/// <summary>
/// A GrainLimiter silo in its own process, built in the same configuration as this program
/// (<c>silo/bin/Release/net10.0/GrainLimiter.Silo.dll</c> when run with <c>-c Release</c>), on free loopback ports,
/// with the benchmark's policy file. Killed on dispose.
/// </summary>
internal sealed class SiloProcess : IAsyncDisposable
{
    public const string OpenPolicy = "bench";
    public const string OpenUnleasedPolicy = "open-unleased";
    public const string AccuracyPolicy = "accuracy";
    public const string AttackPolicy = "attack";

    private readonly ChildProcess _process;
    private readonly string _directory;

    private SiloProcess(ChildProcess process, string directory, int httpPort, int grpcPort, int gatewayPort)
    {
        _process = process;
        _directory = directory;
        HttpAddress = new Uri($"http://127.0.0.1:{httpPort}");
        GrpcAddress = new Uri($"http://127.0.0.1:{grpcPort}");
        GatewayEndpoint = $"127.0.0.1:{gatewayPort}";
        ClusterId = ClusterIdOf(gatewayPort);
    }

    public Uri HttpAddress { get; }

    public Uri GrpcAddress { get; }

    /// <summary>The silo's Orleans gateway (<c>host:port</c>), for contenders joined as Orleans clients.</summary>
    public string GatewayEndpoint { get; }

    /// <summary>The silo's Orleans cluster id (unique per run, so a client never joins another run's silo).</summary>
    public string ClusterId { get; }

    public ChildProcess Process => _process;

    private static string ClusterIdOf(int gatewayPort) => $"bench-{gatewayPort.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The silo assembly built beside this one, in the same configuration.</summary>
    public static string AssemblyPath()
    {
        var configuration = typeof(SiloProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var path = Path.Combine(RepositoryRoot(), "silo", "bin", configuration, "net10.0", "GrainLimiter.Silo.dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException(
                $"The silo is not built at {path}; run 'dotnet build -c {configuration} silo' (dotnet run of this project builds it).", path);
    }

    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "GrainLimiter.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Could not find the repository root (GrainLimiter.sln) above " + AppContext.BaseDirectory);
    }

    /// <summary>The policy each <see cref="LimitKind"/> is checked under, for every contender that asks a GrainLimiter silo.</summary>
    public static string PolicyOf(LimitKind limit) => limit switch
    {
        LimitKind.Open => OpenPolicy,
        LimitKind.OpenUnleased => OpenUnleasedPolicy,
        LimitKind.Accuracy => AccuracyPolicy,
        LimitKind.Attack => AttackPolicy,
        _ => throw new ArgumentOutOfRangeException(nameof(limit), limit, null),
    };

    /// <summary>The benchmark's policy file: the open limit (every check decides, none is refused) with leases and again
    /// without, an exact one for the accuracy check, and the attack phase's per-second one (its denials carry a retry-after,
    /// so a front may cache them). All fail closed, so a failure-mode answer is a denial with its reason (never a silent
    /// admission, nor a fresh state that hides an unreadable store); the driver counts it as an error either way.</summary>
    public static string PoliciesYaml(BenchLimits limits) => $"""
        # Written by the load benchmark.
        policies:
        {Policy(OpenPolicy, limits.Of(LimitKind.Open), leases: true)}
        {Policy(OpenUnleasedPolicy, limits.Of(LimitKind.OpenUnleased), leases: false)}
        {Policy(AccuracyPolicy, limits.Of(LimitKind.Accuracy), leases: true)}
        {Policy(AttackPolicy, limits.Of(LimitKind.Attack), leases: true)}
        """;

    private static string Policy(string name, (long Limit, TimeSpan Window) limit, bool leases) => $"""
          - name: {name}
            failureMode: closed
            leases: {(leases ? "auto" : "off")}
            limits:
              - {"{"} algorithm: fixed_window, limit: {limit.Limit.ToString(CultureInfo.InvariantCulture)}, window: {WindowText(limit.Window)} {"}"}
        """;

    /// <summary>A window as the policy file writes it: whole hours or whole seconds, the only windows the benchmark uses.</summary>
    public static string WindowText(TimeSpan window) =>
        window.TotalHours is var hours && hours == Math.Floor(hours) ? $"{hours.ToString(CultureInfo.InvariantCulture)}h"
        : $"{((long)window.TotalSeconds).ToString(CultureInfo.InvariantCulture)}s";

    /// <summary>A silo with in-memory storage, or, given <paramref name="store"/>, Redis storage there (default flush interval).</summary>
    public static async Task<SiloProcess> StartAsync(BenchLimits limits, int maxActiveGrains, CancellationToken cancellationToken, RedisServer? store = null)
    {
        var settings = new Dictionary<string, string>
        {
            // The failure-mode entries of Envoy's answers tell the driver which ones no grain decided.
            ["GrainLimiter__Envoy__ResponseDynamicMetadata"] = "true",
            ["GrainLimiter__MaxActiveGrains"] = maxActiveGrains.ToString(CultureInfo.InvariantCulture),
        };
        if (store is not null)
        {
            settings["GrainLimiter__Storage"] = "redis";
            settings["GrainLimiter__Redis"] = store.Endpoint;
        }

        return await StartAsync(PoliciesYaml(limits), Contenders.EnvoyContender.ConfigYaml(limits), settings, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A silo loading <paramref name="policiesYaml"/> (and <paramref name="envoyYaml"/> when given) with
    /// <paramref name="settings"/> (environment variables) over the defaults: a single silo (localhost clustering) on free
    /// ports, in-memory storage. Cluster settings in <paramref name="settings"/> (membership, cluster id) make it join others.</summary>
    public static async Task<SiloProcess> StartAsync(string policiesYaml, string? envoyYaml, IReadOnlyDictionary<string, string> settings,
        CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("grainlimiter-bench-").FullName;
        var policies = Path.Combine(directory, "policies.yaml");
        await File.WriteAllTextAsync(policies, policiesYaml, cancellationToken).ConfigureAwait(false);

        var httpPort = FreePort.Next();
        var grpcPort = FreePort.Next();
        var gatewayPort = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["GrainLimiter__PoliciesFile"] = policies,
            ["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{httpPort}",
            ["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{grpcPort}",
            // A single silo (localhost clustering) on free ports, so it never meets another silo on this machine.
            ["GrainLimiter__Cluster__SiloPort"] = FreePort.Next().ToString(CultureInfo.InvariantCulture),
            ["GrainLimiter__Cluster__GatewayPort"] = gatewayPort.ToString(CultureInfo.InvariantCulture),
            ["GrainLimiter__Cluster__ClusterId"] = ClusterIdOf(gatewayPort),
            ["Kestrel__Endpoints__Http__Protocols"] = "Http1",
            ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
            ["Logging__LogLevel__Default"] = "Warning",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
        };
        if (envoyYaml is not null)
        {
            var envoy = Path.Combine(directory, "envoy.yaml");
            await File.WriteAllTextAsync(envoy, envoyYaml, cancellationToken).ConfigureAwait(false);
            environment["GrainLimiter__Envoy__ConfigPaths__0"] = envoy;
        }

        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        // Run from its own folder, so its appsettings.json (Kestrel limits, logging) applies as in production.
        var assembly = AssemblyPath();
        var process = ChildProcess.Start("silo", "dotnet", [assembly], environment, Path.GetDirectoryName(assembly), CpuPinning.ServerCoreIfPinned);
        var silo = new SiloProcess(process, directory, httpPort, grpcPort, gatewayPort);
        try
        {
            await silo.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
            return silo;
        }
        catch
        {
            await silo.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A temp directory left behind is harmless.
        }
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"The silo exited before it was ready:\n{_process.Output}");
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/readyz", UriKind.Relative), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The 2 s request timeout.
            }

            if (deadline.Elapsed > TimeSpan.FromSeconds(120))
            {
                throw new TimeoutException($"The silo was not ready within 120 s:\n{_process.Output}");
            }

            await Task.Delay(100, cancellationToken).ConfigureAwait(false); // polling interval of the readiness check
        }
    }
}
