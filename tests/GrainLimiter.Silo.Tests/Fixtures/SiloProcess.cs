using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>
/// A silo in its own process (<c>dotnet silo/bin/{Configuration}/net10.0/GrainLimiter.Silo.dll</c>) on free loopback ports,
/// configured by environment variables. Killed on dispose whatever happened, so no test leaves a silo behind.
/// </summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private const int MaxOutputChars = 200_000;
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SiloProcess(Process process, int httpPort, int grpcPort, int siloPort)
    {
        _process = process;
        HttpPort = httpPort;
        GrpcPort = grpcPort;
        SiloPort = siloPort;
        // A bound for a hung silo, not a measure: at load average 25 a 50-key check over three silo processes took over 10 s.
        Http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public int HttpPort { get; }

    /// <summary>The gRPC port (HTTP/2 cleartext).</summary>
    public int GrpcPort { get; }

    /// <summary>The Orleans silo-to-silo port.</summary>
    public int SiloPort { get; }

    /// <summary>The silo's Orleans endpoint as the cluster view names it.</summary>
    public string SiloEndpoint => $"127.0.0.1:{SiloPort.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The admin bearer token every test silo process gets.</summary>
    public const string AdminToken = "test-admin-token-0123456789";

    public HttpClient Http { get; }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    public string Output
    {
        get
        {
            lock (_output) return _output.ToString();
        }
    }

    /// <summary>Ports to give a silo before it starts: HTTP, gRPC, Orleans silo and gateway.</summary>
    public static (int Http, int Grpc, int Silo, int Gateway) AllocatePorts() => (FreePort.Next(), FreePort.Next(), FreePort.Next(), FreePort.Next());

    public static SiloProcess Start((int Http, int Grpc, int Silo, int Gateway) ports, string policiesFile, IReadOnlyDictionary<string, string> settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(SiloDll)!,
        };
        start.ArgumentList.Add(SiloDll);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{ports.Http}";
        start.Environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{ports.Grpc}";
        start.Environment["GrainLimiter__PoliciesFile"] = policiesFile;
        start.Environment["GrainLimiter__AdminToken"] = AdminToken;
        start.Environment["GrainLimiter__Cluster__SiloPort"] = ports.Silo.ToString(CultureInfo.InvariantCulture);
        start.Environment["GrainLimiter__Cluster__GatewayPort"] = ports.Gateway.ToString(CultureInfo.InvariantCulture);
        start.Environment["GrainLimiter__Cluster__AdvertisedIp"] = "127.0.0.1";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__GrainLimiter"] = "Information";
        foreach (var (name, value) in settings)
        {
            start.Environment[name] = value;
        }

        var process = new Process { StartInfo = start };
        var silo = new SiloProcess(process, ports.Http, ports.Grpc, ports.Silo);
        process.OutputDataReceived += (_, e) => silo.Append(e.Data);
        process.ErrorDataReceived += (_, e) => silo.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return silo;
    }

    /// <summary>Waits until <c>/readyz</c> answers 200 (joined); fails with the silo's output if it exits first.</summary>
    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"Silo on :{HttpPort} exited with {_process.ExitCode} before it was ready:\n{Output}");
            }

            try
            {
                using var response = await Http.GetAsync(new Uri("/readyz", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Silo on :{HttpPort} not ready after {timeout.TotalSeconds} s:\n{Output}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>SIGKILL: no leave, no flush.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, as Kubernetes sends it: the silo leaves gracefully and exits.</summary>
    public void Terminate() => Signal("TERM");

    /// <summary>SIGSTOP: a hung silo, which keeps its sockets open but answers nothing (dispose still kills it).</summary>
    public void Freeze() => Signal("STOP");

    /// <summary>SIGCONT: the frozen silo runs again from where it stopped.</summary>
    public void Thaw() => Signal("CONT");

    private void Signal(string name)
    {
        using var kill = Process.Start("kill", [$"-{name}", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{name} {_process.Id} failed with {kill.ExitCode}.");
        }
    }

    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await WaitForExitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < MaxOutputChars)
            {
                _output.AppendLine(line);
            }
        }
    }

    /// <summary>The silo built next to the tests: <c>dotnet test</c> builds the referenced silo project into its own bin folder.</summary>
    public static string SiloDll
    {
        get
        {
            var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name; // bin/{Configuration}/net10.0
            for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "GrainLimiter.sln")))
                {
                    return Path.Combine(directory.FullName, "silo", "bin", configuration, "net10.0", "GrainLimiter.Silo.dll");
                }
            }

            throw new InvalidOperationException("GrainLimiter.sln not found above the test binaries.");
        }
    }
}
