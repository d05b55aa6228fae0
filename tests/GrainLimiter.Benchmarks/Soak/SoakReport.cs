using System.Globalization;
using System.Text;
using GrainLimiter.Benchmarks.Load;
using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Soak;

/// <summary>What a <c>soak</c> run measured, and its markdown tables (with the machine's load average, as every benchmark table).</summary>
internal sealed record SoakReport
{
    public required SoakSettings Settings { get; init; }

    public DateTimeOffset StartedAt { get; init; }

    public string LoadAverageBefore { get; init; } = "";

    public string LoadAverageAfter { get; init; } = "";

    public double ClusterStartSeconds { get; init; }

    public double TrafficSeconds { get; init; }

    public long Decided { get; init; }

    public IReadOnlyDictionary<string, long> Errors { get; init; } = new Dictionary<string, long>();

    public long ServerErrors { get; init; }

    public double P50Us { get; init; }

    public double P99Us { get; init; }

    public TimeSpan RedisDownAt { get; init; }

    public TimeSpan RedisBackAt { get; init; }

    public TimeSpan SiloKilledAt { get; init; }

    public TimeSpan SiloReplacedAt { get; init; }

    /// <summary>The most the silo kill may lose: audited admissions answered from two FlushIntervals before it to its end.</summary>
    public long LostBound { get; init; }

    public IReadOnlyList<AuditResult> Audit { get; init; } = [];

    public IReadOnlyList<Trend> Trends { get; init; } = [];

    /// <summary>The highest of each measure over every sample of every silo.</summary>
    public ProcessStats Peak { get; init; }

    /// <summary>Silo processes that exited without being killed by the run.</summary>
    public int SiloCrashes { get; init; }

    public double TotalSeconds { get; init; }

    public long Lost => Audit.Sum(static a => a.Lost);

    public long ErrorCount => Errors.Values.Sum();

    /// <summary>No 5xx, no crash, every audited key read and no count lost beyond the bound, no trend growing.</summary>
    public bool Passed => ServerErrors == 0 && SiloCrashes == 0 && Audit.All(static a => a.Unread == 0) && Lost <= LostBound
        && !Trends.Any(static t => t.Growing);

    public string MachineLine => $"{LoadReport.MachineCores()} cores; load average {LoadAverageBefore} at start, {LoadAverageAfter} at end; "
        + $"silos, redis-server and driver share the cores";

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Run {StartedAt:yyyy-MM-dd HH:mm} UTC, {TotalSeconds:0} s in all "
            + $"({ClusterStartSeconds:0} s to start the cluster): `soak {Settings.CommandLine}`.");
        md.AppendLine();
        md.AppendLine($"Soak: {Settings.Silos} silo processes, Redis storage and membership on one persistent redis-server (append-only, fsync always), "
            + $"FlushInterval {Settings.FlushInterval.TotalMilliseconds:0} ms; {Number(Settings.CallsPerSecond)} checks/s paced over every front, "
            + $"{SoakPolicy.All.Count} policies ({string.Join(", ", SoakPolicy.All.Select(static p => p.Name))}), "
            + $"Zipf s={Settings.ZipfExponent:0.##} over {Number(Settings.Keys)} keys each, "
            + $"{TrafficSeconds:0} s ({MachineLine}):");
        md.AppendLine();
        MeasureTable.AppendTo(md, Rows());

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Counts: each audited key's grain (a check of cost 0) against the admissions the traffic saw ({MachineLine}):");
        md.AppendLine();
        md.AppendLine("| policy | keys | admitted (seen) | counted by the grains | lost | extra (charged, answer an error) | unread |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var a in Audit)
        {
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {a.Policy} | {Number(a.Keys)} | {Number(a.Admitted)} | {Number(a.Counted)} | {Number(a.Lost)} | {Number(a.Extra)} | {Number(a.Unread)} |");
        }

        md.AppendLine();
        md.AppendLine($"Resources per silo, samples every {Settings.SampleInterval.TotalSeconds:0.#} s "
            + $"after a {Settings.WarmUp.TotalSeconds:0} s warm-up of each process; "
            + $"least-squares slope per minute; flat when slope × span stays under 10 % of the mean "
            + $"or a noise floor (RSS 32 MiB, 4 threads, 16 handles, 8 connections) ({MachineLine}):");
        md.AppendLine();
        md.AppendLine("| silo | measure | samples | first | last | max | slope /min | verdict |");
        md.AppendLine("|---|---|---:|---:|---:|---:|---:|---|");
        foreach (var trend in Trends)
        {
            md.AppendLine("| " + string.Join(" | ", trend.Cells()) + " |");
        }

        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture,
            $"- Verdict: {(Passed ? "PASSED" : "FAILED")} (no 5xx, no crash, no count lost beyond the bound, no measure growing).");
        md.AppendLine($"- Lost-count bound: the audited admissions answered from 2 × FlushInterval before the kill to its end "
            + "(docs/storage.md: a crash loses at most "
            + "a key's last FlushInterval of counts; one more when the kill lands while that flush's writes are in flight).");
        md.AppendLine("- Errors are answers no key's grain decided "
            + "(a failure-mode reason: `owner_unreachable` while the killed silo's keys moved, `store_unavailable` "
            + "while Redis was down), calls to the killed front, timeouts; never counted as decisions.");
        return md.ToString();
    }

    private IEnumerable<(string, string)> Rows()
    {
        yield return ("checks decided by their grain", Number(Decided));
        yield return ("decided checks/s", Number(TrafficSeconds > 0 ? Decided / TrafficSeconds : 0));
        yield return ("p50 / p99 of a decided check", $"{Number(P50Us)} / {Number(P99Us)} µs");
        yield return ("errors", ErrorCount == 0
            ? "0"
            : $"{Number(ErrorCount)} ({string.Join(", ", Errors.OrderByDescending(static e => e.Value).Select(static e => $"{e.Key}: {e.Value:N0}"))})");
        yield return ("5xx", Number(ServerErrors));
        yield return ("silo crashes (not the one killed)", Number(SiloCrashes));
        yield return ("redis-server killed at / back at", $"{RedisDownAt.TotalSeconds:0.0} s / {RedisBackAt.TotalSeconds:0.0} s");
        yield return ("silo 2 killed at / replacement taking traffic at", $"{SiloKilledAt.TotalSeconds:0.0} s / {SiloReplacedAt.TotalSeconds:0.0} s");
        yield return ("counts lost / bound", $"{Number(Lost)} / {Number(LostBound)}");
        yield return ("peak of any silo: RSS, threads, handles, TCP",
            $"{Number(Peak.ResidentBytes / 1048576.0)} MiB, {Peak.Threads}, {Peak.OpenHandles}, {Peak.TcpConnections}");
    }

    private static string Number(double value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
