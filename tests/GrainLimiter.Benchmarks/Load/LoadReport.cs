using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using Spectre.Console;

namespace GrainLimiter.Benchmarks.Load;

/// <summary>Everything one run measured, with the machine it ran on; printed as tables and written as JSON and Markdown.</summary>
internal sealed record LoadReport
{
    public required DateTimeOffset StartedAt { get; init; }

    public required double TotalSeconds { get; init; }

    public required Dictionary<string, string> Machine { get; init; }

    public required Dictionary<string, string> Settings { get; init; }

    public required List<PhaseResult> Phases { get; init; }

    public required List<AccuracyResult> Accuracy { get; init; }

    public required List<ScalePoint> Scale { get; init; }

    public required List<string> Notes { get; init; }

    public static Dictionary<string, string> DescribeMachine(string? redisVersion, string? nodeVersion)
    {
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return new Dictionary<string, string>
        {
            ["cpu"] = $"{cpu ?? RuntimeInformation.ProcessArchitecture.ToString()}, {Environment.ProcessorCount} cores (load generator, servers and node share them)",
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

    public void Print()
    {
        var machine = new Grid().AddColumn().AddColumn();
        foreach (var (key, value) in Machine)
        {
            machine.AddRow($"[grey]{key}[/]", Markup.Escape(value));
        }

        AnsiConsole.Write(machine);
        var table = new Table().Title("Decisions per second (higher is better), latency of one call").Border(TableBorder.Rounded);
        foreach (var column in PhaseColumns)
        {
            table.AddColumn(new TableColumn(column.Header) { Alignment = column.Right ? Justify.Right : Justify.Left });
        }

        foreach (var phase in Phases)
        {
            table.AddRow(PhaseCells(phase).Select(c => Markup.Escape(c)).ToArray());
        }

        AnsiConsole.Write(table);
        var accuracy = new Table().Title("Accuracy: one hot key, exact limit").Border(TableBorder.Rounded)
            .AddColumns("contender", "limit", "requests", "admitted", "denied", "errors", "exact");
        foreach (var a in Accuracy)
        {
            accuracy.AddRow(AccuracyCells(a).Select(c => Markup.Escape(c)).ToArray());
        }

        AnsiConsole.Write(accuracy);
        if (Scale.Count > 0)
        {
            var scale = new Table().Title("Scale: active keys").Border(TableBorder.Rounded);
            foreach (var header in ScaleHeaders)
            {
                scale.AddColumn(new TableColumn(header) { Alignment = Justify.Right });
            }

            foreach (var point in Scale)
            {
                scale.AddRow(ScaleCells(point).Select(c => Markup.Escape(c)).ToArray());
            }

            AnsiConsole.Write(scale);
        }

        foreach (var note in Notes)
        {
            AnsiConsole.MarkupLine($"[grey]- {Markup.Escape(note)}[/]");
        }
    }

    public string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine(CultureInfo.InvariantCulture, $"Run {StartedAt:yyyy-MM-dd HH:mm} UTC, {TotalSeconds:0} s in all.");
        md.AppendLine();
        foreach (var (key, value) in Machine)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {key}: {value}");
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"- settings: {string.Join(", ", Settings.Select(s => $"{s.Key} {s.Value}"))}");
        md.AppendLine();
        Row(md, PhaseColumns.Select(c => c.Header));
        md.AppendLine("|" + string.Concat(PhaseColumns.Select(c => c.Right ? "---:|" : "---|")));
        foreach (var phase in Phases)
        {
            Row(md, PhaseCells(phase));
        }

        md.AppendLine();
        Row(md, ["accuracy (one hot key)", "limit", "requests", "admitted", "denied", "errors", "exact"]);
        md.AppendLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (var a in Accuracy)
        {
            Row(md, AccuracyCells(a));
        }

        if (Scale.Count > 0)
        {
            md.AppendLine();
            Row(md, ScaleHeaders);
            md.AppendLine("|" + string.Concat(ScaleHeaders.Select(_ => "---:|")));
            foreach (var point in Scale)
            {
                Row(md, ScaleCells(point));
            }
        }

        md.AppendLine();
        foreach (var note in Notes)
        {
            md.AppendLine(CultureInfo.InvariantCulture, $"- {note}");
        }

        return md.ToString();
    }

    public string ToJson() => JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true, NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals });

    private static readonly (string Header, bool Right)[] PhaseColumns =
    [
        ("contender", false), ("keys", false), ("decisions/s", true), ("vs Redis+Lua", true), ("p50 µs", true), ("p99 µs", true),
        ("p99.9 µs", true), ("server CPU µs/decision", true), ("errors", true), ("in flight", true),
    ];

    private static readonly string[] ScaleHeaders =
    [
        "active keys", "in-process decisions/s", "in-process bytes/key", "silo gRPC b100 decisions/s", "silo RSS bytes/key", "Redis bytes/key",
    ];

    private static string[] PhaseCells(PhaseResult p) =>
    [
        p.Contender, p.Distribution, Number(p.DecisionsPerSecond), p.VsRedisLua is { } r ? $"{r:0.00}x" : "—", Micro(p.P50Us), Micro(p.P99Us),
        Micro(p.P999Us), p.ServerCpuUsPerDecision is { } cpu ? cpu.ToString("0.00", CultureInfo.InvariantCulture) : "—", Errors(p), p.Workers.ToString(CultureInfo.InvariantCulture) + (p.DecisionsPerCall > 1 ? $" × {p.DecisionsPerCall}" : ""),
    ];

    private static string[] AccuracyCells(AccuracyResult a) =>
    [
        a.Contender, Number(a.Limit), Number(a.Requests), Number(a.Admitted), Number(a.Denied), Number(a.Errors), a.Exact ? "yes" : a.Errors > 0 ? $"no ({Number(a.Errors)} errors)" : $"no ({a.Admitted - a.Limit:+#;-#;0})",
    ];

    private static string[] ScaleCells(ScalePoint s) =>
    [
        Number(s.Keys), Number(s.InProcessDecisionsPerSecond), s.InProcessBytesPerKey.ToString("0", CultureInfo.InvariantCulture),
        s.SiloDecisionsPerSecond is { } d ? Number(d) : "—", s.SiloRssBytesPerKey is { } b ? b.ToString("0", CultureInfo.InvariantCulture) : "—",
        s.RedisBytesPerKey is { } r ? r.ToString("0", CultureInfo.InvariantCulture) : "—",
    ];

    private static string Errors(PhaseResult p) =>
        p.Errors == 0 && !p.Failed ? "0"
        : $"{Number(p.Errors)} ({p.ErrorRate.ToString("0.###%", CultureInfo.InvariantCulture)}){(p.Failed ? ", FAILED" : "")}: {p.FirstError}";

    private static void Row(StringBuilder md, IEnumerable<string> cells) =>
        md.AppendLine("| " + string.Join(" | ", cells.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");

    private static string Number(double value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Micro(double value) => double.IsNaN(value) ? "—" : value < 10 ? value.ToString("0.00", CultureInfo.InvariantCulture) : value.ToString("N0", CultureInfo.InvariantCulture);
}
