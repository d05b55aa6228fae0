using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace GrainLimiter.Cli;

/// <summary>How answers look to a person: Spectre tables, times in words. Every value from the server is escaped as markup.</summary>
public static class Render
{
    /// <summary>A span in milliseconds as a person reads it: <c>250 ms</c>, <c>41.9 s</c>, <c>12 min 5 s</c>, <c>3 h 20 min</c>.</summary>
    public static string Millis(long ms) => ms switch
    {
        < 0 or long.MaxValue => "never",
        < 1000 => $"{ms} ms",
        < 60_000 => (ms / 1000.0).ToString("0.#", CultureInfo.InvariantCulture) + " s",
        < 3_600_000 => $"{ms / 60_000} min {ms / 1000 % 60} s",
        _ => $"{ms / 3_600_000} h {ms / 60_000 % 60} min",
    };

    public static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) ? value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() ?? "",
            JsonValueKind.Null or JsonValueKind.Undefined => "",
            _ => value.GetRawText(),
        } : "";

    public static long? Number(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var n) ? n : null;

    public static double? Fraction(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;

    public static JsonElement.ArrayEnumerator Items(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : default;

    /// <summary>The admin key view: paused-until, the override in force, and every limit's usage.</summary>
    public static void KeyView(IAnsiConsole console, JsonElement view)
    {
        console.MarkupLine($"[bold]{Markup.Escape(Text(view, "policy"))}[/] / [bold]{Markup.Escape(Text(view, "key"))}[/]");
        var paused = Text(view, "pausedUntil");
        console.MarkupLine(paused.Length == 0 ? "paused: no" : $"[yellow]paused until {Markup.Escape(paused)}[/]");
        if (view.TryGetProperty("override", out var over) && over.ValueKind == JsonValueKind.Object)
        {
            var expires = Text(over, "expiresAt");
            console.MarkupLine($"override: {Markup.Escape(OverrideLimits(over))}{(expires.Length == 0 ? " (no expiry)" : $" until {Markup.Escape(expires)}")}");
        }
        else
        {
            console.MarkupLine("override: none");
        }

        var table = new Table().AddColumns("limit", "algorithm", "limit", "effective", "used", "remaining", "resets in", "window");
        foreach (var limit in Items(view, "limits"))
        {
            table.AddRow(
                Markup.Escape(Text(limit, "name")),
                Markup.Escape(Text(limit, "algorithm")),
                Text(limit, "limit"),
                Text(limit, "effectiveLimit"),
                Text(limit, "used"),
                Text(limit, "remaining"),
                Number(limit, "resetAfterMs") is { } reset ? Millis(reset) : "",
                Number(limit, "windowMs") is { } window ? Millis(window) : "");
        }

        console.Write(table);
        foreach (var limit in Items(view, "limits"))
        {
            if (limit.TryGetProperty("adaptive", out var adaptive) && adaptive.ValueKind == JsonValueKind.Object)
            {
                console.MarkupLine(Markup.Escape(Adaptive(Text(limit, "name"), Text(limit, "effectiveLimit"), adaptive)));
            }
        }
    }

    /// <summary><c>per-second adapts by success rate and latency (aimd, 20..400): in force 57; success 97.4 %, latency 183.5 ms over 42 samples</c>.</summary>
    public static string Adaptive(string name, string inForce, JsonElement adaptive)
    {
        var by = Text(adaptive, "by") switch
        {
            "success_rate" => "success rate",
            "both" => "success rate and latency",
            var other => other,
        };
        var learned = new List<string>();
        if (Fraction(adaptive, "successRate") is { } rate)
        {
            learned.Add("success " + (rate * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %");
        }

        if (Fraction(adaptive, "latencyMs") is { } latency)
        {
            learned.Add("latency " + latency.ToString("0.#", CultureInfo.InvariantCulture) + " ms");
        }

        var samples = Fraction(adaptive, "samples")?.ToString("0.#", CultureInfo.InvariantCulture) ?? "0";
        return $"{name} adapts by {by} ({Text(adaptive, "rule")}, {Text(adaptive, "min")}..{Text(adaptive, "max")}): in force {inForce}; " +
            (learned.Count == 0 ? "no reports yet" : $"{string.Join(", ", learned)} over {samples} samples");
    }

    /// <summary><c>per-second=50, per-hour×2</c>: an override's limits in one line.</summary>
    public static string OverrideLimits(JsonElement over) => string.Join(", ", Items(over, "limits").Select(static l =>
    {
        var name = Text(l, "name");
        var value = Number(l, "limit") is { } limit
            ? $"={limit}"
            : Fraction(l, "multiplier") is { } m ? $"×{m.ToString("0.###", CultureInfo.InvariantCulture)}" : "";
        return (name.Length == 0 ? "(the limit)" : name) + value;
    }));

    /// <summary>The decisions of <c>/v1/check</c>, or (<paramref name="usageOnly"/>) the usage <c>/v1/limits</c> reports without charging.</summary>
    public static void Decisions(IAnsiConsole console, IEnumerable<JsonElement> results, bool usageOnly = false)
    {
        var table = usageOnly
            ? new Table().AddColumns("policy", "key", "limit", "remaining", "resets in", "decided by")
            : new Table().AddColumns("policy", "key", "decision", "limit", "remaining", "resets in", "retry after", "decided by");
        foreach (var result in results)
        {
            var allowed = result.TryGetProperty("allowed", out var a) && a.ValueKind == JsonValueKind.True;
            var reason = Text(result, "reason");
            var cells = new List<string>
            {
                Markup.Escape(Text(result, "policy")),
                Markup.Escape(Text(result, "key")),
                (allowed ? "[green]allowed[/]" : "[red]denied[/]") + (reason.Length > 0 ? $" ({Markup.Escape(reason)})" : ""),
                Text(result, "limit"),
                Text(result, "remaining"),
                Number(result, "resetAfterMs") is { } reset ? Millis(reset) : "",
                allowed ? "" : Number(result, "retryAfterMs") is { } retry ? Millis(retry) : "never",
                Markup.Escape(Text(result, "limitName")),
            };
            if (usageOnly)
            {
                cells.RemoveAt(6);
                cells.RemoveAt(2);
            }

            table.AddRow([.. cells]);
        }

        console.Write(table);
    }
}
