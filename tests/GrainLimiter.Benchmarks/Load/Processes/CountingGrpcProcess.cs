using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using GrainLimiter.Benchmarks.Load.Bare;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Benchmarks.Load.Processes;

/// <summary>This program started again as <see cref="CountingLimiterServer"/> on a free loopback port, with the silo's
/// GC settings (Server GC, no DATAS), so its CPU per decision compares with the silo's. Killed on dispose.</summary>
internal sealed class CountingGrpcProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private CountingGrpcProcess(ChildProcess process, int port)
    {
        Process = process;
        Address = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}");
    }

    public ChildProcess Process { get; }

    public Uri Address { get; }

    public static async Task<CountingGrpcProcess> StartAsync(long accuracyLimit, CancellationToken cancellationToken)
    {
        var port = FreePort.Next();
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_gcServer"] = "1",
            ["DOTNET_GCDynamicAdaptationMode"] = "0",
        };
        var process = ChildProcess.Start("counting gRPC server", "dotnet",
            [typeof(CountingGrpcProcess).Assembly.Location, CountingLimiterServer.Command, port.ToString(CultureInfo.InvariantCulture),
                accuracyLimit.ToString(CultureInfo.InvariantCulture)],
            environment, core: CpuPinning.ServerCoreIfPinned);
        var server = new CountingGrpcProcess(process, port);
        try
        {
            await server.WaitUntilListeningAsync(cancellationToken).ConfigureAwait(false);
            return server;
        }
        catch
        {
            await server.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public ValueTask DisposeAsync() => Process.DisposeAsync();

    // Kestrel serves as soon as it accepts connections; an h2c-only endpoint has no HTTP/1.1 probe to ask.
    private async Task WaitUntilListeningAsync(CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            if (Process.HasExited)
            {
                throw new InvalidOperationException($"The counting gRPC server exited before it listened:\n{Process.Output}");
            }

            try
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, Address.Port, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SocketException) when (waited.Elapsed < StartTimeout)
            {
                await Task.Delay(100, cancellationToken).ConfigureAwait(false); // polling interval: no readiness signal to await
            }
        }
    }
}
