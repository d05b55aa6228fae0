using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Benchmarks.Load.Processes;

/// <summary>Debian's redis-server on a free loopback port, no persistence (<c>--save '' --appendonly no</c>), or, persistent,
/// an append-only file synced before every reply (<c>--appendfsync always</c>), so a restart, even after SIGKILL, keeps
/// every write it acknowledged. Killed on dispose.</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly string _directory;
    private readonly bool _persistent;
    private ChildProcess _process;

    private RedisServer(ChildProcess process, string directory, int port, bool persistent)
    {
        _process = process;
        _directory = directory;
        _persistent = persistent;
        Port = port;
    }

    public int Port { get; }

    public ChildProcess Process => _process;

    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>StackExchange.Redis configuration: admin commands (INFO, FLUSHALL, SCRIPT LOAD) allowed, fail instead of retrying at connect.</summary>
    public string ConnectionString => $"{Endpoint},connectTimeout=5000,syncTimeout=10000,asyncTimeout=10000,allowAdmin=true,abortConnect=true";

    public static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin").Append("/usr/local/bin")
            .Select(directory => Path.Combine(directory, "redis-server"))
            .FirstOrDefault(File.Exists);

    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken, bool persistent = false)
    {
        var port = FreePort.Next();
        var directory = Directory.CreateTempSubdirectory("grainlimiter-bench-redis-").FullName;
        var server = new RedisServer(Launch(port, directory, persistent), directory, port, persistent);
        try
        {
            await server.WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Kills the server (SIGKILL) and starts it again on the same port and folder; persistent, it comes back with
    /// every write it acknowledged.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        await _process.DisposeAsync().ConfigureAwait(false);
        _process = Launch(Port, _directory, _persistent);
        await WaitUntilReadyAsync(cancellationToken).ConfigureAwait(false);
    }

    private static ChildProcess Launch(int port, string directory, bool persistent)
    {
        var executable = Find() ?? throw new InvalidOperationException(
            "redis-server is not installed; the Redis contenders need it. Install it with 'apt-get install -y redis-server' (./eng/test.sh does).");
        string[] persistence = persistent ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"];
        return ChildProcess.Start("redis-server", executable,
        [
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", .. persistence,
            "--protected-mode", "no", "--daemonize", "no", "--dir", directory, "--loglevel", "warning",
        ], workingDirectory: directory, core: CpuPinning.ServerCoreIfPinned);
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"redis-server exited at start:\n{_process.Output}");
            }

            try
            {
                // PING answers LOADING while a persistent server reads its append-only file back.
                await using var connection = await ConnectAsync().ConfigureAwait(false);
                await connection.GetDatabase().PingAsync().ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is RedisConnectionException or RedisServerException && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(50, cancellationToken).ConfigureAwait(false); // polling interval of the readiness check
            }
        }
    }

    /// <summary>A new multiplexer (one interactive connection) to this server; the caller disposes it.</summary>
    public async Task<ConnectionMultiplexer> ConnectAsync() =>
        await ConnectionMultiplexer.ConnectAsync(ConnectionString).ConfigureAwait(false);

    /// <summary>A field of INFO (e.g. <c>used_memory</c>, <c>redis_version</c>).</summary>
    public async Task<string?> InfoAsync(string section, string field, CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync().ConfigureAwait(false);
        var info = await connection.GetServer(Endpoint).InfoAsync(section).WaitAsync(cancellationToken).ConfigureAwait(false);
        return info.SelectMany(group => group).Where(pair => pair.Key == field).Select(pair => pair.Value).FirstOrDefault();
    }

    /// <summary>How many times each command ran so far (INFO commandstats: <c>evalsha</c> → calls), commands run inside a
    /// script included.</summary>
    public async Task<Dictionary<string, long>> CommandCallsAsync(CancellationToken cancellationToken)
    {
        await using var connection = await ConnectAsync().ConfigureAwait(false);
        var info = await connection.GetServer(Endpoint).InfoAsync("commandstats").WaitAsync(cancellationToken).ConfigureAwait(false);
        // cmdstat_evalsha:calls=12,usec=345,...
        return info.SelectMany(group => group)
            .Where(pair => pair.Key.StartsWith("cmdstat_", StringComparison.Ordinal))
            .ToDictionary(
                pair => pair.Key["cmdstat_".Length..],
                pair => long.Parse(pair.Value.Split(',')[0]["calls=".Length..], CultureInfo.InvariantCulture),
                StringComparer.Ordinal);
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
}
