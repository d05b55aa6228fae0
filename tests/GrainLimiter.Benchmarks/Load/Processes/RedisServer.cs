using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Benchmarks.Load.Processes;

/// <summary>Debian's redis-server on a free loopback port, no persistence (<c>--save '' --appendonly no</c>). Killed on dispose.</summary>
internal sealed class RedisServer : IAsyncDisposable
{
    private readonly ChildProcess _process;
    private readonly string _directory;

    private RedisServer(ChildProcess process, string directory, int port)
    {
        _process = process;
        _directory = directory;
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

    public static async Task<RedisServer> StartAsync(CancellationToken cancellationToken)
    {
        var executable = Find() ?? throw new InvalidOperationException(
            "redis-server is not installed; the Redis contenders need it. Install it with 'apt-get install -y redis-server' (./eng/test.sh does).");
        var port = FreePort.Next();
        var directory = Directory.CreateTempSubdirectory("grainlimiter-bench-redis-").FullName;
        var process = ChildProcess.Start("redis-server", executable,
        [
            "--port", port.ToString(CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
            "--protected-mode", "no", "--daemonize", "no", "--dir", directory, "--loglevel", "warning",
        ], workingDirectory: directory, core: CpuPinning.ServerCoreIfPinned);
        var server = new RedisServer(process, directory, port);
        try
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                if (process.HasExited)
                {
                    throw new InvalidOperationException($"redis-server exited at start:\n{process.Output}");
                }

                try
                {
                    await using var connection = await server.ConnectAsync().ConfigureAwait(false);
                    await connection.GetDatabase().PingAsync().ConfigureAwait(false);
                    return server;
                }
                catch (RedisConnectionException) when (deadline.Elapsed < TimeSpan.FromSeconds(30))
                {
                    await Task.Delay(50, cancellationToken).ConfigureAwait(false); // polling interval of the readiness check
                }
            }
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
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
