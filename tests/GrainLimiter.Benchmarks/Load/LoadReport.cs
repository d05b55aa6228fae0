using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace GrainLimiter.Benchmarks.Load;

/// <summary>Everything one run measured, with the machine it ran on; printed as tables and written as JSON and Markdown.
/// Every table carries the machine line (cores, load average at start and end, core layout).</summary>
internal sealed record LoadReport
{
    public required DateTimeOffset StartedAt { get; init; }

    public required double TotalSeconds { get; init; }

    /// <summary>The command line after <c>load</c>, as docs/benchmarks.md quotes it.</summary>
    public required string Command { get; init; }

    public required Dictionary<string, string> Machine { get; init; }

    /// <summary>The 1-, 5- and 15-minute load averages when the run started and when it ended.</summary>
    public required string LoadAverageBefore { get; init; }

    public required string LoadAverageAfter { get; init; }

    /// <summary>Where servers and driver ran, in one phrase ("servers on core 0, driver on core 1" or "shared cores").</summary>
    public required string Layout { get; init; }

    public required Dictionary<string, string> Settings { get; init; }

    public required List<PhaseResult> Phases { get; init; }

    /// <summary>Each row again, paced at half its closed-loop calls/s: the latency of every front below saturation.</summary>
    public required List<PhaseResult> Paced { get; init; }

    /// <summary>Each GrainLimiter row with leases over the same row with leases off.</summary>
    public List<LeasesPair> LeasesOnVsOff => LeasesComparison.Pairs(Phases);

    public required List<AccuracyResult> Accuracy { get; init; }

    public required List<ScalePoint> Scale { get; init; }

    public required List<string> Notes { get; init; }

    /// <summary>Cores of the machine, whatever this process' own affinity (a pinned process sees one).</summary>
    public static int MachineCores() =>
        File.Exists("/proc/cpuinfo")
            ? Math.Max(1, File.ReadLines("/proc/cpuinfo").Count(l => l.StartsWith("processor", StringComparison.Ordinal)))
            : Environment.ProcessorCount;

    public static Dictionary<string, string> DescribeMachine(string? redisVersion, string? nodeVersion)
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return new Dictionary<string, string>
        {
            ["cpu"] = $"{cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}, {MachineCores()} cores",
            ["memory"] = $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB",
            ["os"] = RuntimeInformation.OSDescription,
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["redis"] = redisVersion ?? "not installed",
            ["node"] = nodeVersion ?? "not installed",
        };
    }

    /// <summary>The 1-, 5- and 15-minute load averages (Linux), to judge how quiet the machine was.</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    /// <summary>The line under every table: what machine, how busy, which cores.</summary>
    public string MachineLine => $"{MachineCores()} cores; load average {LoadAverageBefore} at start, {LoadAverageAfter} at end; {Layout}";

    public void Print()
    {
        var machine = new Grid().AddColumn().AddColumn();
        foreach (var (key, value) in Machine)
        {
            machine.AddRow($"[grey]{key}[/]", Markup.Escape(value));
        }

        AnsiConsole.Write(machine);
        foreach (var (title, headers, rows) in Tables())
        {
            var table = new Table().Title(Markup.Escape(title)).Caption(Markup.Escape(MachineLine)).Border(TableBorder.Rounded);
            foreach (var (header, right) in headers)
            {
                table.AddColumn(new TableColumn(Markup.Escape(header)) { Alignment = right ? Justify.Right : Justify.Left });
            }

            foreach (var row in rows)
            {
                table.AddRow(row.Select(c => Markup.Escape(c)).ToArray());
            }

            AnsiConsole.Write(table);
        }

        foreach (var note in Notes)
        {
            AnsiConsole.MarkupLine($"[grey]- {Markup.Escape(note)}[/]");
        }
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Run {StartedAt:yyyy-MM-dd HH:mm} UTC, {TotalSeconds:0} s in all: `load {Command}`.");
        md.AppendLine();
        foreach (var (key, value) in Machine)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {key}: {value}");
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"- settings: {string.Join(", ", Settings.Select(s => $"{s.Key} {s.Value}"))}");
        foreach (var (title, headers, rows) in Tables())
        {
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"{title} ({MachineLine}):");
            md.AppendLine();
            Row(md, headers.Select(h => h.Header));
            md.AppendLine("|" + string.Concat(headers.Select(h => h.Right ? "---:|" : "---|")));
            foreach (var row in rows)
            {
                Row(md, row);
            }
        }

        md.AppendLine();
        foreach (var note in Notes)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
        }

        return md.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(this,
        new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });

    private IEnumerable<(string Title, (string Header, bool Right)[] Headers, IEnumerable<string[]> Rows)> Tables()
    {
        yield return ("Closed loop: decisions per server-core-second (higher is better), each row against Redis + Lua of its own batching",
            PhaseHeaders, Phases.Select(PhaseCells));
        if (LeasesOnVsOff is { Count: > 0 } pairs)
        {
            yield return ("Leases on vs off: each GrainLimiter row with leases over the same row under a leases: off policy, "
                + "same run (above 1 is faster with leases)",
                LeasesHeaders, pairs.Select(LeasesCells));
        }
        if (Paced.Count > 0)
        {
            yield return ("Latency paced at half each row's closed-loop calls/s (µs per call; lower is better)", PacedHeaders, Paced.Select(PacedCells));
        }

        if (Scale.Count > 0)
        {
            yield return ("Scale: active keys", ScaleHeaders.Select(h => (h, true)).ToArray(), Scale.Select(ScaleCells));
        }
    }

    private static readonly (string Header, bool Right)[] PhaseHeaders =
    [
        ("contender", false), ("keys", false), ("in flight", true), ("decisions/s", true), ("server CPU µs/decision", true),
        ("decisions per server-core-s", true), ("× per core", true), ("× decisions/s", true), ("against", false),
        ("Redis writes/decision", true), ("errors", true),
        ("denied", true), ("accuracy", false), ("status", false),
    ];

    private static readonly (string Header, bool Right)[] LeasesHeaders =
    [
        ("contender", false), ("keys", false), ("decisions/s, leases on", true), ("leases off", true), ("× decisions/s", true),
        ("decisions per server-core-s, leases on", true), ("leases off", true), ("× per core", true),
    ];

    private static readonly (string Header, bool Right)[] PacedHeaders =
    [
        ("contender", false), ("keys", false), ("in flight", true), ("paced at calls/s", true), ("achieved calls/s", true),
        ("p50 µs", true), ("p99 µs", true), ("p99.9 µs", true), ("errors", true), ("status", false),
    ];

    private static readonly string[] ScaleHeaders =
    [
        "active keys", "in-process decisions/s", "in-process bytes/key", "silo gRPC b100 decisions/s", "silo RSS bytes/key", "Redis bytes/key",
    ];

    private string[] PhaseCells(PhaseResult p) =>
    [
        p.Contender, p.Distribution, InFlight(p),
        Number(p.DecisionsPerSecond), p.ServerCpuUsPerDecision is { } cpu ? cpu.ToString("0.00", CultureInfo.InvariantCulture) : "—",
        PerCore(p), Ratio(p.PerCoreVsBaseline), Ratio(p.ThroughputVsBaseline),
        p.RankedAgainst is null ? "—" : p.IsBaseline ? "itself" : $"Lua ×{p.DecisionsPerCall}",
        p.RedisWritesPerDecision is { } writes ? writes.ToString("0.000", CultureInfo.InvariantCulture) : "—", Errors(p),
        p.Denied == 0 ? "0" : p.DeniedShare.ToString("0.0%", CultureInfo.InvariantCulture), AccuracyCell(p.Contender), p.Status,
    ];

    private static string[] LeasesCells(LeasesPair pair) =>
    [
        pair.Contender, pair.Distribution, Number(pair.On.DecisionsPerSecond), Number(pair.Off.DecisionsPerSecond), Ratio(pair.ThroughputOnVsOff),
        PerCore(pair.On), PerCore(pair.Off), Ratio(pair.PerCoreOnVsOff),
    ];

    private static string PerCore(PhaseResult p) => p.DecisionsPerServerCoreSecond is { } perCore ? Number(perCore) : "—";

    private static string[] PacedCells(PhaseResult p) =>
    [
        p.Contender, p.Distribution, InFlight(p), Number(p.PacedCallsPerSecond ?? 0), Number(p.CallsPerSecond),
        Micro(p.P50Us), Micro(p.P99Us), Micro(p.P999Us), Errors(p),
        p.Failed ? "FAILED" : p.BelowPace ? "below its pace" : "kept its pace",
    ];

    private static string InFlight(PhaseResult p) =>
        p.Workers.ToString(CultureInfo.InvariantCulture) + (p.DecisionsPerCall > 1 ? $" × {p.DecisionsPerCall}" : "");

    private string AccuracyCell(string contender) =>
        Accuracy.FirstOrDefault(a => a.Contender == contender) is not { } a ? "—"
        : a.Exact ? $"exact ({Number(a.Admitted)} of {Number(a.Requests)})"
        : a.Errors > 0 ? $"NOT EXACT: {Number(a.Errors)} errors, {Number(a.Admitted)} admitted"
        : $"NOT EXACT: {Number(a.Admitted)} admitted ({a.Admitted - a.Limit:+#;-#;0})";

    private static string[] ScaleCells(ScalePoint s) =>
    [
        Number(s.Keys), Number(s.InProcessDecisionsPerSecond), s.InProcessBytesPerKey.ToString("0", CultureInfo.InvariantCulture),
        s.SiloDecisionsPerSecond is { } d ? Number(d) : "—", s.SiloRssBytesPerKey is { } b ? b.ToString("0", CultureInfo.InvariantCulture) : "—",
        s.RedisBytesPerKey is { } r ? r.ToString("0", CultureInfo.InvariantCulture) : "—",
    ];

    private static string Errors(PhaseResult p) =>
        p.Errors == 0 ? "0" : $"{Number(p.Errors)} ({p.ErrorRate.ToString("0.###%", CultureInfo.InvariantCulture)})";

    private static void Row(StringBuilder md, IEnumerable<string> cells) =>
        md.AppendLine("| " + string.Join(" | ", cells.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");

    private static string Ratio(double? ratio) => ratio is { } r ? r.ToString("0.00", CultureInfo.InvariantCulture) + "×" : "—";

    private static string Number(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Micro(double value) =>
        double.IsNaN(value) ? "—"
        : value < 10 ? value.ToString("0.00", CultureInfo.InvariantCulture)
        : value.ToString("N0", CultureInfo.InvariantCulture);
}
