using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>
/// A real Redis-protocol server (Debian's redis-server or Garnet) on a free loopback port, killed on dispose.
/// Readiness is a PING answered on the plain port, polled until a deadline; a server that exits early fails with its output.
/// </summary>
public sealed class RedisServerProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private readonly string _fileName;
    private readonly IReadOnlyList<string> _arguments;
    private readonly string _workingDirectory;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private RedisServerProcess(string kind, int port, string fileName, IReadOnlyList<string> arguments, string workingDirectory)
    {
        Kind = kind;
        Port = port;
        _fileName = fileName;
        _arguments = arguments;
        _workingDirectory = workingDirectory;
    }

    public string Kind { get; }

    public int Port { get; }

    /// <summary>The TLS port of a server started by <see cref="StartRedisWithTlsAsync"/>; 0 otherwise.</summary>
    public int TlsPort { get; private set; }

    /// <summary>Plain-text connection string with short timeouts, so a broken test fails fast.</summary>
    public string ConnectionString => $"127.0.0.1:{Port},connectTimeout=5000,syncTimeout=5000";

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

    /// <summary>Starts Debian's redis-server; extra arguments are config directives (<c>--requirepass x</c>).</summary>
    public static Task<RedisServerProcess> StartRedisAsync(params string[] extraArguments) =>
        StartRedisAsync(FreePort(), extraArguments);

    public static async Task<RedisServerProcess> StartRedisAsync(int port, params string[] extraArguments)
    {
        string redisServer = FindOnPath("redis-server") ?? throw new InvalidOperationException(
            "redis-server is not installed, so the Redis integration tests cannot run. Install it with " +
            "'apt-get update && apt-get install -y redis-server redis-tools' (CI does this too).");
        string dataDirectory = Directory.CreateTempSubdirectory("grainlimiter-redis-").FullName;
        List<string> arguments =
        [
            "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--protected-mode", "no", "--daemonize", "no",
            "--dir", dataDirectory, "--loglevel", "warning", .. extraArguments,
        ];
        var server = new RedisServerProcess("redis-server", port, redisServer, arguments, dataDirectory);
        await server.StartAsync();
        return server;
    }

    /// <summary>Starts Debian's redis-server with a TLS port besides the plain one (which only tells readiness), its certificate
    /// (for <c>localhost</c>) signed by <paramref name="authority"/>; clients show none. Extra arguments as above (ACL users).</summary>
    public static async Task<RedisServerProcess> StartRedisWithTlsAsync(TestAuthority authority, params string[] extraArguments)
    {
        var (certificate, key) = authority.IssuePem($"redis-{Guid.NewGuid():N}", client: false);
        int tlsPort = FreePort();
        var server = await StartRedisAsync(FreePort(),
        [
            "--tls-port", tlsPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--tls-cert-file", certificate, "--tls-key-file", key, "--tls-ca-cert-file", authority.CertificateFile, "--tls-auth-clients", "no",
            .. extraArguments,
        ]);
        server.TlsPort = tlsPort;
        return server;
    }

    /// <summary>Starts Garnet from the repository's tool manifest (<c>dotnet tool restore</c> first), with Lua enabled.</summary>
    public static async Task<RedisServerProcess> StartGarnetAsync()
    {
        int port = FreePort();
        string repository = Repository.Root;
        List<string> arguments =
        [
            "tool", "run", "garnet-server", "--", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--bind", "127.0.0.1", "--lua", "-m", "256m", "-i", "16m",
        ];
        var server = new RedisServerProcess("garnet", port, "dotnet", arguments, repository);
        await server.StartAsync();
        return server;
    }

    /// <summary>SIGKILL: the server vanishes without closing anything politely.</summary>
    public async Task KillAsync()
    {
        Process? process = _process;
        if (process is null || process.HasExited)
        {
            return;
        }

        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>Starts the same server again on the same port.</summary>
    public Task RestartAsync() => StartAsync();

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process?.Dispose();
    }

    public static int FreePort() => Fixtures.FreePort.Next();

    private async Task StartAsync()
    {
        var start = new ProcessStartInfo(_fileName)
        {
            WorkingDirectory = _workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }

        _process?.Dispose();
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await WaitUntilReadyAsync(process);
    }

    private async Task WaitUntilReadyAsync(Process process)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{Kind} exited with code {process.ExitCode} before answering PING on port {Port}:\n{Output}");
            }

            if (await AnswersPingAsync())
            {
                return;
            }

            if (deadline.Elapsed > StartTimeout)
            {
                throw new TimeoutException($"{Kind} did not answer PING on port {Port} within {StartTimeout.TotalSeconds} s:\n{Output}");
            }

            await Task.Delay(50); // polling interval of the readiness condition, not a wait for a guessed duration
        }
    }

    /// <summary>True once the port answers a RESP reply (+PONG, or -NOAUTH when a password is required).</summary>
    private async Task<bool> AnswersPingAsync()
    {
        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await client.ConnectAsync(IPAddress.Loopback, Port, timeout.Token);
            NetworkStream stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), timeout.Token);
            byte[] reply = new byte[64];
            int read = await stream.ReadAsync(reply, timeout.Token);
            return read > 0 && (reply[0] == (byte)'+' || reply[0] == (byte)'-');
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
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

    private static string? FindOnPath(string name)
    {
        string[] directories = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return directories.Append("/usr/bin").Append("/usr/local/bin")
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
    }
}
