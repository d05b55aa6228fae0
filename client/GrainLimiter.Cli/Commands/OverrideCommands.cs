using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace GrainLimiter.Cli.Commands;

/// <summary><c>override set|list|rm</c>: one customer's limits raised or lowered for a while.</summary>
public static class OverrideCommands
{
    public static Command Override(Verb verb)
    {
        var command = new Command("override", "Raise or lower one key's limits, for a while or until removed.");
        command.Add(Set(verb));
        command.Add(List(verb));
        command.Add(Remove(verb));
        return command;
    }

    private static Command Set(Verb verb)
    {
        var policy = Verb.Policy();
        var key = Verb.Key();
        var limits = new Option<List<(string? Name, long Value)>>("--limit")
        {
            Description = "NAME=VALUE: the limit's new value (NAME may be left out when the policy has one limit). Repeat for several limits.",
            HelpName = "NAME=VALUE",
            AllowMultipleArgumentsPerToken = false,
            CustomParser = result => Pairs<long>(result, "--limit",
                static text => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null,
                "a whole number of at least 0"),
        };
        var multipliers = new Option<List<(string? Name, double Value)>>("--multiplier")
        {
            Description = "NAME=X: multiply the limit by X (e.g. per-hour=2 doubles it). Repeat for several limits.",
            HelpName = "NAME=X",
            CustomParser = result => Pairs<double>(result, "--multiplier",
                static text => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v) ? v : null,
                "a number greater than 0"),
        };
        var expiresIn = GlobalOptions.DurationOption("--expires-in", "The override ends after this long (e.g. 1h, 7d).");
        var expiresAt = new Option<DateTimeOffset?>("--expires-at")
        {
            Description = "The override ends at this time (ISO 8601, e.g. 2026-12-02T00:00:00Z).",
            HelpName = "time",
            CustomParser = static result =>
            {
                var text = result.Tokens[0].Value;
                if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
                {
                    return at;
                }

                result.AddError($"--expires-at: '{text}' is not a time; write ISO 8601 such as 2026-12-02T00:00:00Z.");
                return null;
            },
        };
        var command = verb.Make("set", "Set a key's override (PUT /admin/v1/overrides/{policy}/{key}).", async (parse, cli, cancel) =>
        {
            var body = new JsonObject { ["limits"] = Body(parse.GetValue(limits), parse.GetValue(multipliers)) };
            if (parse.GetResult(expiresIn) is { Tokens.Count: > 0 })
            {
                body["expiresAt"] = Iso(DateTimeOffset.UtcNow + parse.GetValue(expiresIn));
            }
            else if (parse.GetValue(expiresAt) is { } at)
            {
                body["expiresAt"] = Iso(at);
            }

            var path = "admin/v1/overrides/" + SiloHttpClient.KeyPath(parse.GetValue(policy)!, parse.GetValue(key)!);
            var response = await cli.Silo.AdminAsync(HttpMethod.Put, path, body, cancel);
            await KeyCommands.Write(cli, response, view => Render.KeyView(cli.Console, view));
            return ExitCodes.Ok;
        }, policy, key, limits, multipliers, expiresIn, expiresAt);
        command.Validators.Add(result =>
        {
            if (result.GetResult(limits) is null && result.GetResult(multipliers) is null)
            {
                result.AddError("override set: give at least one --limit NAME=VALUE or --multiplier NAME=X.");
            }

            if (result.GetResult(expiresIn) is not null && result.GetResult(expiresAt) is not null)
            {
                result.AddError("override set: give --expires-in or --expires-at, not both.");
            }
        });
        return command;
    }

    private static Command List(Verb verb)
    {
        var policy = new Option<string?>("--policy") { Description = "Only the overrides of this policy." };
        return verb.Make("list", "List the overrides in force (GET /admin/v1/overrides).", async (parse, cli, cancel) =>
        {
            var path = "admin/v1/overrides" + (parse.GetValue(policy) is { Length: > 0 } p ? "?policy=" + Uri.EscapeDataString(p) : "");
            var response = await cli.Silo.AdminAsync(HttpMethod.Get, path, null, cancel);
            await KeyCommands.Write(cli, response, json =>
            {
                var table = new Table().AddColumns("policy", "key", "limits", "expires");
                foreach (var item in Render.Items(json, "overrides"))
                {
                    var expires = Render.Text(item, "expiresAt");
                    table.AddRow(Markup.Escape(Render.Text(item, "policy")), Markup.Escape(Render.Text(item, "key")),
                        Markup.Escape(Render.OverrideLimits(item)), expires.Length == 0 ? "never" : Markup.Escape(expires));
                }

                cli.Console.Write(table);
            });
            return ExitCodes.Ok;
        }, policy);
    }

    private static Command Remove(Verb verb)
    {
        var policy = Verb.Policy();
        var key = Verb.Key();
        return verb.Make("rm", "Remove a key's override (DELETE /admin/v1/overrides/{policy}/{key}); exit 4 when it has none.", async (parse, cli, cancel) =>
        {
            var (p, k) = (parse.GetValue(policy)!, parse.GetValue(key)!);
            await cli.Silo.AdminAsync(HttpMethod.Delete, "admin/v1/overrides/" + SiloHttpClient.KeyPath(p, k), null, cancel);
            if (cli.Json)
            {
                await cli.Stdout.WriteLineAsync(new JsonObject { ["policy"] = p, ["key"] = k, ["removed"] = true }.ToJsonString());
            }
            else
            {
                cli.Console.MarkupLine($"removed the override of [bold]{Markup.Escape(p)}[/] / [bold]{Markup.Escape(k)}[/]");
            }

            return ExitCodes.Ok;
        }, policy, key);
    }

    /// <summary>The body's <c>limits</c>: <c>{"name","limit"}</c> and <c>{"name","multiplier"}</c> entries, name left out when not given.</summary>
    internal static JsonArray Body(List<(string? Name, long Value)>? limits, List<(string? Name, double Value)>? multipliers)
    {
        var array = new JsonArray();
        foreach (var (name, value) in limits ?? [])
        {
            array.Add(Entry(name, "limit", value));
        }

        foreach (var (name, value) in multipliers ?? [])
        {
            array.Add(Entry(name, "multiplier", value));
        }

        return array;
    }

    private static JsonObject Entry(string? name, string field, JsonNode value)
    {
        var entry = new JsonObject();
        if (name is not null)
        {
            entry["name"] = name;
        }

        entry[field] = value;
        return entry;
    }

    private static string Iso(DateTimeOffset at) => at.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Parses every <c>NAME=VALUE</c> (or a bare <c>VALUE</c>) token of an option.</summary>
    private static List<(string? Name, T Value)> Pairs<T>(ArgumentResult result, string option, Func<string, T?> parse, string expected) where T : struct
    {
        var pairs = new List<(string?, T)>();
        foreach (var token in result.Tokens)
        {
            var text = token.Value;
            var equals = text.LastIndexOf('=');
            var name = equals < 0 ? null : text[..equals];
            var valueText = equals < 0 ? text : text[(equals + 1)..];
            if (name is { Length: 0 })
            {
                result.AddError($"{option}: '{text}' has an empty limit name; write NAME=VALUE, e.g. per-hour={(typeof(T) == typeof(long) ? "5000" : "2")}.");
            }
            else if (parse(valueText) is { } value)
            {
                pairs.Add((name, value));
            }
            else
            {
                result.AddError($"{option}: '{valueText}' in '{text}' must be {expected}.");
            }
        }

        return pairs;
    }
}
