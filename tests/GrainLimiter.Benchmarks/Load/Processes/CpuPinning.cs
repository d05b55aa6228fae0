using System.Diagnostics;

namespace GrainLimiter.Benchmarks.Load.Processes;

/// <summary>
/// <c>load --pin</c>: every server process on core 0, the load driver on core 1, so each server contender has exactly one
/// core and its CPU time is what it costs on one. Affinity is given at exec time by <c>taskset</c>, so every thread a
/// process makes inherits it (setting ProcessorAffinity after start pins only the main thread on Linux): the benchmark
/// runs itself again under <c>taskset -c 1</c>, marked by <see cref="Variable"/>, and starts its servers under
/// <c>taskset -c 0</c>. <see cref="LayoutOf"/> checks the result from each process' <c>Cpus_allowed_list</c>.
/// </summary>
internal static class CpuPinning
{
    /// <summary>Set (to 1) in the pinned benchmark process it starts.</summary>
    public const string Variable = "GRAINLIMITER_BENCH_PINNED";

    public const int ServerCore = 0;

    public const int DriverCore = 1;

    private const string TaskSet = "/usr/bin/taskset";

    /// <summary>True in the re-executed, pinned benchmark process.</summary>
    public static bool Active => Environment.GetEnvironmentVariable(Variable) == "1";

    /// <summary>The core a server process starts on: <see cref="ServerCore"/> when pinned, anywhere otherwise.</summary>
    public static int? ServerCoreIfPinned => Active ? ServerCore : null;

    /// <summary>The core a driver process (node) starts on: <see cref="DriverCore"/> when pinned, anywhere otherwise.</summary>
    public static int? DriverCoreIfPinned => Active ? DriverCore : null;

    /// <summary>The layout phrase of a report.</summary>
    public static string Description => Active
        ? $"pinned: every server process (silo, redis-server, the gRPC-alone server) on core {ServerCore}, "
            + $"the driver (this process, node) on core {DriverCore}; one-process rows are not pinned"
        : "not pinned: servers and driver share every core (load --pin pins them)";

    /// <summary>Why <c>--pin</c> cannot run here, or null.</summary>
    public static string? Unavailable(int machineCores) =>
        machineCores < 2 ? $"--pin needs 2 cores (one for the servers, one for the driver); this machine has {machineCores}."
        : !File.Exists(TaskSet) ? $"--pin needs {TaskSet} (util-linux)."
        : null;

    /// <summary><paramref name="fileName"/> and <paramref name="arguments"/> as started on <paramref name="core"/> (through taskset), or as they are.</summary>
    public static (string FileName, IEnumerable<string> Arguments) OnCore(int? core, string fileName, IEnumerable<string> arguments) =>
        core is { } c ? (TaskSet, ["-c", c.ToString(System.Globalization.CultureInfo.InvariantCulture), fileName, .. arguments]) : (fileName, arguments);

    /// <summary>Runs <c>load <paramref name="loadArguments"/></c> again in a process pinned to the driver core, with the
    /// console as its own; answers its exit code. Ctrl-C reaches it directly (same process group); if this process is
    /// stopped otherwise, the pinned one is killed with it.</summary>
    public static async Task<int> RunPinnedAsync(IEnumerable<string> loadArguments)
    {
        var (fileName, arguments) = OnCore(DriverCore, "dotnet", [typeof(CpuPinning).Assembly.Location, "load", .. loadArguments]);
        var start = new ProcessStartInfo(fileName) { UseShellExecute = false, Environment = { [Variable] = "1" } };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var pinned = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        void Stop(object? sender, EventArgs e)
        {
            try
            {
                pinned.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Already exited.
            }
        }

        ConsoleCancelEventHandler ignore = (_, e) => e.Cancel = true; // the pinned process gets the same Ctrl-C and cleans up
        Console.CancelKeyPress += ignore;
        AppDomain.CurrentDomain.ProcessExit += Stop;
        try
        {
            await pinned.WaitForExitAsync().ConfigureAwait(false);
            return pinned.ExitCode;
        }
        finally
        {
            AppDomain.CurrentDomain.ProcessExit -= Stop;
            Console.CancelKeyPress -= ignore;
        }
    }

    /// <summary>The cores a process may run on (<c>Cpus_allowed_list</c>, e.g. <c>0</c> or <c>0-1</c>); null where /proc cannot tell.</summary>
    public static string? AffinityOf(int processId)
    {
        var status = $"/proc/{processId}/status";
        try
        {
            return File.ReadLines(status).FirstOrDefault(l => l.StartsWith("Cpus_allowed_list:", StringComparison.Ordinal))?.Split(':', 2)[1].Trim();
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Where a row with these server processes ran. Pinned only when checked: every server on the server core and
    /// this process on the driver core; a pinned run where that does not hold is a harness fault, and throws.</summary>
    public static CoreLayout LayoutOf(IReadOnlyList<ChildProcess> servers)
    {
        if (servers.Count == 0)
        {
            return CoreLayout.OneProcess;
        }

        if (!Active)
        {
            return CoreLayout.Shared;
        }

        var server = ServerCore.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var driver = DriverCore.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var wrong = servers.Where(s => AffinityOf(s.Id) != server).Select(s => $"{s.Name} (pid {s.Id}) may run on '{AffinityOf(s.Id)}'")
            .Concat(AffinityOf(Environment.ProcessId) == driver ? [] : [$"the driver may run on '{AffinityOf(Environment.ProcessId)}'"])
            .ToList();
        return wrong.Count == 0
            ? CoreLayout.Pinned
            : throw new InvalidOperationException($"--pin: expected servers on core {server} and the driver on core {driver}, but {string.Join("; ", wrong)}.");
    }
}
