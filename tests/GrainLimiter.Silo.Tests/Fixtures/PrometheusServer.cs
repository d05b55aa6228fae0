using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>
/// A real Prometheus server (Debian's <c>prometheus</c>) on a free loopback port, scraping one target every second, with its
/// storage in a temporary directory; killed and its directory deleted on dispose.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly string _directory;
    private readonly StringBuilder _output = new();

    private PrometheusServer(Process process, string directory, Uri address)
    {
        _process = process;
        _directory = directory;
        Address = address;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
    }

    public Uri Address { get; }

    public HttpClient Http { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Starts Prometheus scraping <paramref name="target"/> (<c>host:port</c>) at <c>/metrics</c> every second.</summary>
    public static async Task<PrometheusServer> StartAsync(string target)
    {
        var prometheus = Tools.Find("prometheus");
        var directory = Directory.CreateTempSubdirectory("grainlimiter-prometheus-").FullName;
        var config = Path.Combine(directory, "prometheus.yml");
        await File.WriteAllTextAsync(config, $"""
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: grainlimiter
                metrics_path: /metrics
                static_configs:
                  - targets: ['{target}']
            """);
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        var start = new ProcessStartInfo(prometheus)
        {
            ArgumentList =
            {
                $"--config.file={config}",
                $"--storage.tsdb.path={Path.Combine(directory, "data")}",
                $"--web.listen-address={address.Authority}",
                "--log.level=warn",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var process = new Process { StartInfo = start };
        var server = new PrometheusServer(process, directory, address);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await Eventually.TrueAsync(server.IsReadyAsync, StartTimeout, $"prometheus answers /-/ready on {address.Authority}");
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }

        return server;
    }

    /// <summary>The value of the one series <paramref name="query"/> (PromQL, instant) selects now; null when it selects none.</summary>
    public async Task<double?> QueryAsync(string query)
    {
        var body = JsonNode.Parse(await Http.GetStringAsync("/api/v1/query?query=" + Uri.EscapeDataString(query)))!;
        Assert.Equal("success", (string?)body["status"]);
        var result = body["data"]!["result"]!.AsArray();
        return result.Count == 0 ? null : double.Parse((string)result.Single()!["value"]![1]!, CultureInfo.InvariantCulture);
    }

    private async Task<bool> IsReadyAsync()
    {
        Assert.False(_process.HasExited, $"prometheus exited with {(_process.HasExited ? _process.ExitCode : 0)}:\n{Output}");
        try
        {
            using var response = await Http.GetAsync("/-/ready");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            if (_output.Length < 64 * 1024)
            {
                _output.AppendLine(line);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
        }

        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}

/// <summary>Programs the tests run that come from Debian packages (eng/test.sh and CI install them), found on PATH.</summary>
public static class Tools
{
    public static string Find(string name, string package = "prometheus") =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists)
        ?? throw new InvalidOperationException($"{name} is not installed; install Debian's '{package}' package (apt-get install -y {package}).");

    /// <summary>Runs promtool with <paramref name="arguments"/> (and <paramref name="input"/> on its standard input);
    /// its exit code and all it printed.</summary>
    public static async Task<(int Exit, string Output)> PromtoolAsync(string[] arguments, string? workingDirectory = null, string? input = null)
    {
        var (exit, output, errors) = await RunAsync(Find("promtool"), arguments, workingDirectory, input);
        return (exit, output + errors);
    }

    /// <summary>Runs <paramref name="program"/> to its end (at most a minute): its exit code, standard output and standard error.</summary>
    public static async Task<(int Exit, string Output, string Errors)> RunAsync(string program, string[] arguments, string? workingDirectory = null,
        string? input = null)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = workingDirectory ?? "",
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
            process.StandardInput.Close();
        }

        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await output, await errors);
    }
}
