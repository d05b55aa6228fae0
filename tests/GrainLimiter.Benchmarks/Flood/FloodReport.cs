using System.Globalization;
using System.Text;
using GrainLimiter.Benchmarks.Load;

namespace GrainLimiter.Benchmarks.Flood;

/// <summary>What a <c>flood</c> run measured, and its markdown table (with the machine's load average, as every benchmark table).</summary>
internal sealed record FloodReport
{
    /// <summary>Heap bytes one limit-grain activation holds, and what stays per key in a single silo's in-memory store once
    /// it has deactivated (<c>grain-memory</c>, docs/benchmarks.md).</summary>
    public const long BytesPerActivation = 2_591;

    public const long BytesPerStoredKey = 614;

    public required FloodSettings Settings { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public string LoadAverageBefore { get; init; } = "";

    public string LoadAverageAfter { get; init; } = "";

    public required FloodResult Flood { get; init; }

    public required SteadyResult Steady { get; init; }

    public long ResidentBefore { get; init; }

    /// <summary>The silo's peak resident memory over its whole life (VmHWM).</summary>
    public long PeakResident { get; init; }

    public long ResidentAfter { get; init; }

    public long ActiveGrainsBefore { get; init; }

    public long PeakActiveGrains { get; init; }

    /// <summary>Active grains once the transient activations had up to 30 s to leave; null when the silo did not answer.</summary>
    public long? ActiveGrainsAfter { get; init; }

    public bool SiloCrashed { get; init; }

    public double TotalSeconds { get; init; }

    /// <summary>What the bound admits, at rest: the silo's resident memory before the flood, plus MaxActiveGrains activations,
    /// plus (in-memory storage, which keeps every key's state in the process) each flood key's stored state.</summary>
    public long RestingSize => ResidentBefore + (Settings.MaxActiveGrains * BytesPerActivation)
        + (Settings.Storage == "memory" ? Flood.KeysSent * BytesPerStoredKey : 0);

    /// <summary>Nothing crashed, nothing answered 5xx, no error, the steady keys exact, the transient activations gone.</summary>
    public bool Passed => !SiloCrashed && Flood.ServerErrorCalls == 0 && Steady.ServerErrors == 0 && Flood.Errors == 0 && Steady.Errors == 0
        && Steady.Exact && ActiveGrainsAfter <= Settings.MaxActiveGrains;

    public string MachineLine =>
        $"{LoadReport.MachineCores()} cores; load average {LoadAverageBefore} at start, {LoadAverageAfter} at end; silo and driver share the cores";

    private string HeapLimit => Settings.HeapLimitMiB > 0 ? $", GC heap hard limit {Number(Settings.HeapLimitMiB)} MiB" : "";

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Run {StartedAt:yyyy-MM-dd HH:mm} UTC, {TotalSeconds:0} s in all: `flood {Settings.CommandLine}`.");
        md.AppendLine();
        md.AppendLine($"Key flood: {Number(Flood.KeysSent)} new keys "
            + $"over gRPC Check (batch {Settings.Batch}, {Settings.Concurrency} in flight) against one silo "
            + $"({Settings.Storage} storage, MaxActiveGrains {Number(Settings.MaxActiveGrains)}{HeapLimit}), "
            + $"a steady client on {Settings.SteadyKeys} keys (limit {Number(Settings.SteadyLimit)} each) "
            + $"at {Number(Settings.SteadyCallsPerSecond)} calls/s over HTTP ({MachineLine}):");
        md.AppendLine();
        MeasureTable.AppendTo(md, Rows());

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"- Verdict: {(Passed ? "PASSED" : "FAILED")} (no crash, no 5xx, no error, steady keys exact, active grains back within MaxActiveGrains).");
        var stored = Settings.Storage == "memory" ? $" + flood keys × {BytesPerStoredKey} B of state each left in the in-memory store (it has no expiry)" : "";
        md.AppendLine($"- Resting size = RSS before the flood + MaxActiveGrains × {BytesPerActivation} B per activation{stored}, as `grain-memory` "
            + "measures them at rest. Under a flood the heap also holds the keys in flight, deactivating and being written, and Server GC's "
            + "budgets: the bound that holds is a GC heap hard limit (`--heap-limit`, as a container's memory limit sets it).");
        if ((Flood.FirstError ?? Steady.FirstError) is { } error)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- First error: {error}");
        }

        return md.ToString();
    }

    private IEnumerable<(string, string)> Rows()
    {
        yield return ("flood keys sent / decided by their grain", $"{Number(Flood.KeysSent)} / {Number(Flood.Decided)}");
        yield return ("flood keys/s", Number(Flood.KeysPerSecond));
        yield return ("flood errors (items) / server-failure calls", $"{Number(Flood.Errors)} / {Number(Flood.ServerErrorCalls)}");
        yield return ("silo RSS before the flood", Mib(ResidentBefore));
        yield return ("silo peak RSS (VmHWM)", Mib(PeakResident));
        yield return ("silo RSS after", Mib(ResidentAfter));
        yield return ("resting size of what the bound admits (below)", Mib(RestingSize));
        yield return ("peak RSS / resting size", (PeakResident / (double)Math.Max(1, RestingSize)).ToString("0.00", CultureInfo.InvariantCulture));
        yield return ("active grains before / peak / after",
            $"{Number(ActiveGrainsBefore)} / {Number(PeakActiveGrains)} / {(ActiveGrainsAfter is { } a ? Number(a) : "no answer")}");
        yield return ("silo crashed", SiloCrashed ? "YES" : "no");
        yield return ("steady calls decided", Number(Steady.Decided));
        yield return ("steady p50 / p99", $"{Micro(Steady.P50Us)} / {Micro(Steady.P99Us)} µs");
        yield return ("steady admitted (most by one key, limit)", $"{Number(Steady.Admitted)} ({Number(Steady.MostAdmittedByAKey)}, {Number(Steady.Limit)})");
        yield return ("steady keys over their limit", Number(Steady.KeysOverLimit));
        yield return ("steady exact", Steady.Exact ? "yes" : "NO");
        yield return ("steady errors / 5xx", $"{Number(Steady.Errors)} / {Number(Steady.ServerErrors)}");
    }

    private static string Number(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("N0", CultureInfo.InvariantCulture) + " MiB";

    private static string Micro(double us) => double.IsNaN(us) ? "—" : us.ToString("N0", CultureInfo.InvariantCulture);
}
