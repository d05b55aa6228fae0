using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace GrainLimiter.Cli.Commands;

/// <summary><c>top</c>: block rate per policy and the most denied keys, refreshed until Ctrl+C (or once).</summary>
public static class TopCommand
{
    public static Command Top(Verb verb)
    {
        var count = new Option<int>("--count") { Description = "How many keys to show (1..1000).", DefaultValueFactory = _ => 20 };
        count.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 1000)
            {
                result.AddError($"--count: must be from 1 to 1000, not {result.GetValueOrDefault<int>()}.");
            }
        });
        var interval = GlobalOptions.DurationOption("--interval", "How often to refresh (e.g. 2s).", TimeSpan.FromSeconds(2));
        var once = new Option<bool>("--once") { Description = "Print one table and exit." };
        return verb.Make("top", "The most denied keys and the block rate per policy (GET /admin/v1/top), live.", async (parse, cli, cancel) =>
        {
            var path = "admin/v1/top?count=" + parse.GetValue(count).ToString(CultureInfo.InvariantCulture);
            var every = parse.GetValue(interval);
            if (parse.GetValue(once) || cli.Json || !cli.Console.Profile.Capabilities.Interactive)
            {
                // One table (or JSON line) per refresh: a pipe or --json gets a stream, --once a single one.
                while (true)
                {
                    var response = await cli.Silo.AdminAsync(HttpMethod.Get, path, null, cancel);
                    await KeyCommands.Write(cli, response, json => cli.Console.Write(Tables(json)));
                    if (parse.GetValue(once) || !await Wait(every, cancel))
                    {
                        return ExitCodes.Ok;
                    }
                }
            }

            var first = await cli.Silo.AdminAsync(HttpMethod.Get, path, null, cancel);
            await cli.Console.Live(Tables(first.Json)).StartAsync(async live =>
            {
                while (await Wait(every, cancel))
                {
                    var response = await cli.Silo.AdminAsync(HttpMethod.Get, path, null, cancel);
                    live.UpdateTarget(Tables(response.Json));
                }
            });
            return ExitCodes.Ok;
        }, count, interval, once);
    }

    /// <summary>The policies table above the keys table.</summary>
    public static IRenderable Tables(JsonElement json)
    {
        var window = Render.Text(json, "windowSeconds");
        var policies = new Table().Title($"block rate per policy (last {window} s)").AddColumns("policy", "allowed", "denied", "block rate");
        foreach (var policy in Render.Items(json, "policies"))
        {
            var rate = Render.Fraction(policy, "blockRate") ?? 0;
            var text = (rate * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";
            policies.AddRow(Markup.Escape(Render.Text(policy, "policy")), Render.Text(policy, "allowed"), Render.Text(policy, "denied"),
                rate >= 0.5 ? $"[red]{text}[/]" : rate > 0 ? $"[yellow]{text}[/]" : text);
        }

        var keys = new Table().Title("most denied keys").AddColumns("policy", "key", "denied");
        foreach (var key in Render.Items(json, "keys"))
        {
            keys.AddRow(Markup.Escape(Render.Text(key, "policy")), Markup.Escape(Render.Text(key, "key")), Render.Text(key, "denied"));
        }

        return new Rows(policies, keys);
    }

    private static async Task<bool> Wait(TimeSpan interval, CancellationToken cancel)
    {
        try
        {
            await Task.Delay(interval, cancel);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
