using System.Text.Json;
using GrainLimiter.Benchmarks.Load;
using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Tests.Load;

/// <summary><c>load --pin</c>: a process started on a core runs there with every thread, and a pinned run reports its
/// server rows pinned (checked from /proc, not assumed). Skipped (passes) where the machine cannot pin.</summary>
public class CpuPinningTests
{
    private static bool CanPin => CpuPinning.Unavailable(LoadReport.MachineCores()) is null && OperatingSystem.IsLinux();

    [Fact]
    public async Task AProcessStartedOnACoreMayRunOnlyThere()
    {
        if (!CanPin)
        {
            return;
        }

        await using var sleeper = ChildProcess.Start("sleep", "sleep", ["30"], core: CpuPinning.ServerCore);
        // taskset sets the affinity, then execs: wait for the exec (bounded) before reading it.
        for (var i = 0; i < 100 && CpuPinning.AffinityOf(sleeper.Id) != "0"; i++)
        {
            await Task.Delay(50);
        }

        Assert.Equal("0", CpuPinning.AffinityOf(sleeper.Id));
    }

    [Fact]
    public void WithoutPinARowWithServersSharesTheCores()
    {
        Assert.Equal(CoreLayout.OneProcess, CpuPinning.LayoutOf([]));
        Assert.False(CpuPinning.Active);
    }

    [Fact]
    public async Task LoadPinRunsItselfOnTheDriverCoreAndReportsPinnedRows()
    {
        if (!CanPin)
        {
            return;
        }

        var output = Directory.CreateTempSubdirectory("grainlimiter-load-pin-").FullName;
        await using var load = ChildProcess.Start("load --pin", "dotnet",
        [
            typeof(LoadCommand).Assembly.Location, "load", "--pin", "--quick", "--only", "Redis + Lua, fixed window,System.Threading",
            "--no-scale", "--no-paced",
            "--keys", "1000", "--silo-warmup", "0", "--warmup", "0.1", "--duration", "0.3", "--concurrency", "8", "--output", output,
        ]);
        Assert.True(await load.WaitForExitAsync(TimeSpan.FromSeconds(150), CancellationToken.None) == 0, load.Output);

        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "results.json")));
        var phases = results.RootElement.GetProperty("Phases").EnumerateArray().ToList();
        Assert.NotEmpty(phases);
        Assert.All(phases, p => Assert.Equal(
            p.GetProperty("ServerCpuUsPerDecision").ValueKind == JsonValueKind.Null ? nameof(CoreLayout.OneProcess) : nameof(CoreLayout.Pinned),
            p.GetProperty("Cores").GetString()));
    }
}
