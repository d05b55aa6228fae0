using System.Diagnostics;
using System.Globalization;
using GrainLimiter.Benchmarks.Load.Processes;
using GrainLimiter.Grains;

namespace GrainLimiter.Benchmarks.Memory;

/// <summary>CPU time and bytes allocated per decision of local grain calls in an in-process silo, write-behind included.</summary>
/// <remarks>
/// Throughput on a shared machine follows its load; the process's own CPU time per decision much less so, which makes
/// it the figure to compare two builds by. N keys are activated first; then 64 callers decide on uniformly random keys
/// for the given seconds, with the silo's default FlushInterval, so every decision also costs its share of the writes.
/// </remarks>
internal static class GrainCpu
{
    private const int Callers = 64;

    public static async Task RunAsync(int keys, int seconds)
    {
        await using var silo = await InProcessSilo.StartAsync(new Load.LoadSettings().Limits, keys + 1000, CancellationToken.None).ConfigureAwait(false);
        await GrainMemory.ActivateAsync(silo.GrainFactory, SiloProcess.OpenPolicy, "k", keys).ConfigureAwait(false);
        var grains = Enumerable.Range(0, keys)
            .Select(i => silo.GrainFactory.GetGrain<ILimitGrain>(LimitGrainKey.Encode(SiloProcess.OpenPolicy, "k" + i.ToString(CultureInfo.InvariantCulture))))
            .ToArray();
        foreach (var round in new[] { "warm-up", "measured" })
        {
            var process = Process.GetCurrentProcess();
            var cpu = process.TotalProcessorTime;
            var allocated = GC.GetTotalAllocatedBytes();
            var paused = GC.GetTotalPauseDuration();
            int[] collections = [GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2)];
            var clock = Stopwatch.StartNew();
            var decisions = 0L;
            var timeouts = 0L;
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(round == "warm-up" ? 1 : seconds));
            await Task.WhenAll(Enumerable.Range(0, Callers).Select(async _ =>
            {
                var random = new Random();
                var mine = 0L;
                while (!stop.IsCancellationRequested)
                {
                    try
                    {
                        await grains[random.Next(grains.Length)].AcquireAsync(1).ConfigureAwait(false);
                        mine++;
                    }
                    catch (TimeoutException)
                    {
                        // The machine is shared: a call past ResponseTimeout is counted, not fatal.
                        Interlocked.Increment(ref timeouts);
                    }
                }

                Interlocked.Add(ref decisions, mine);
            })).ConfigureAwait(false);
            process.Refresh();
            var cpuMicros = (process.TotalProcessorTime - cpu).TotalMicroseconds;
            if (round == "measured")
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{keys:N0} keys, {Callers} callers, {clock.Elapsed.TotalSeconds:F1} s: {decisions / clock.Elapsed.TotalSeconds:N0} decisions/s, "
                    + $"{cpuMicros / decisions:F2} CPU µs/decision, {(GC.GetTotalAllocatedBytes() - allocated) / (double)decisions:F0} B allocated/decision, "
                    + $"{timeouts} timeouts, "
                    + $"GC {GC.CollectionCount(0) - collections[0]}/{GC.CollectionCount(1) - collections[1]}/{GC.CollectionCount(2) - collections[2]} "
                    + $"(gen 0/1/2) pausing {(GC.GetTotalPauseDuration() - paused).TotalMilliseconds:N0} ms, "
                    + $"load average {File.ReadAllText("/proc/loadavg").Split(' ')[0]}"));
            }
        }
    }
}
