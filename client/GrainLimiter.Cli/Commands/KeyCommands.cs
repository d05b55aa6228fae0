using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using GrainLimiter.Config;
using Spectre.Console;

namespace GrainLimiter.Cli.Commands;

/// <summary><c>check</c>, <c>get</c>, <c>reset</c>, <c>pause</c>: one key of one policy.</summary>
public static class KeyCommands
{
    public static Command Check(Verb verb)
    {
        var policy = Verb.Policy();
        var key = Verb.Key();
        var cost = new Option<long>("--cost") { Description = "Cost units to charge (0 peeks without charging).", DefaultValueFactory = _ => 1 };
        return verb.Make("check", "Ask for a decision, as a gateway does (POST /v1/check). Exit 0 allowed, 1 denied.", async (parse, cli, cancel) =>
        {
            var body = new JsonObject
            {
                ["checks"] = new JsonArray(
                    new JsonObject { ["policy"] = parse.GetValue(policy), ["key"] = parse.GetValue(key), ["cost"] = parse.GetValue(cost) }),
            };
            var response = await cli.Silo.SendAsync(HttpMethod.Post, "v1/check", body, admin: false, cancel);
            if (response.Status is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests))
            {
                throw cli.Silo.Failure(HttpMethod.Post, "/v1/check", response, admin: false);
            }

            var json = response.Json;
            if (cli.Json)
            {
                await cli.Stdout.WriteLineAsync(response.Body);
            }
            else
            {
                Render.Decisions(cli.Console, Render.Items(json, "results"));
            }

            return response.Status == HttpStatusCode.OK ? ExitCodes.Ok : ExitCodes.Denied;
        }, policy, key, cost);
    }

    public static Command Get(Verb verb)
    {
        var policy = Verb.Policy();
        var key = Verb.Key();
        return verb.Make("get", "Show a key: every limit's usage, its pause and override (GET /admin/v1/keys; without a token, GET /v1/limits).",
            async (parse, cli, cancel) =>
        {
            var path = SiloHttpClient.KeyPath(parse.GetValue(policy)!, parse.GetValue(key)!);
            if (cli.Silo.HasToken)
            {
                var admin = await cli.Silo.SendAsync(HttpMethod.Get, "admin/v1/keys/" + path, null, admin: true, cancel);
                // A 404 without a problem document is a silo without the key view: fall back to the public usage.
                var routeMissing = admin.Status == HttpStatusCode.NotFound && SiloHttpClient.Problem(admin.Body).Detail is null;
                if (!routeMissing)
                {
                    if (admin.Status != HttpStatusCode.OK)
                    {
                        throw cli.Silo.Failure(HttpMethod.Get, "/admin/v1/keys/" + path, admin, admin: true);
                    }

                    await Write(cli, admin, view => Render.KeyView(cli.Console, view));
                    return ExitCodes.Ok;
                }
            }

            var response = await cli.Silo.SendAsync(HttpMethod.Get, "v1/limits/" + path, null, admin: false, cancel);
            if (response.Status is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests))
            {
                throw cli.Silo.Failure(HttpMethod.Get, "/v1/limits/" + path, response, admin: false);
            }

            await Write(cli, response, result => Render.Decisions(cli.Console, [result], usageOnly: true));
            return ExitCodes.Ok;
        }, policy, key);
    }

    public static Command Reset(Verb verb)
    {
        var policy = Verb.Policy();
        var key = Verb.Key();
        return verb.Make("reset", "Forget a key's usage (POST /admin/v1/reset).", async (parse, cli, cancel) =>
        {
            var (p, k) = (parse.GetValue(policy)!, parse.GetValue(key)!);
            await cli.Silo.AdminAsync(HttpMethod.Post, "admin/v1/reset", new JsonObject { ["policy"] = p, ["key"] = k }, cancel);
            if (cli.Json)
            {
                await cli.Stdout.WriteLineAsync(new JsonObject { ["policy"] = p, ["key"] = k, ["reset"] = true }.ToJsonString());
            }
            else
            {
                cli.Console.MarkupLine($"reset [bold]{Markup.Escape(p)}[/] / [bold]{Markup.Escape(k)}[/]");
            }

            return ExitCodes.Ok;
        }, policy, key);
    }

    public static Command Pause(Verb verb)
    {
        var policy = Verb.Policy();
        var key = Verb.Key();
        var duration = GlobalOptions.DurationOption("--for", "How long every check of the key is denied: 1ms to 1d (e.g. 10m).");
        duration.Required = true;
        duration.Validators.Add(result =>
        {
            if (result.Tokens.Count > 0 && DurationParser.TryParse(result.Tokens[0].Value, out var d) && d > TimeSpan.FromDays(1))
            {
                result.AddError($"--for: '{result.Tokens[0].Value}' is longer than a pause may be (at most 1d).");
            }
        });
        return verb.Make("pause", "Deny every check of a key for a while, e.g. after the upstream answered 429 (POST /admin/v1/pause).",
            async (parse, cli, cancel) =>
        {
            var text = parse.GetResult(duration)!.Tokens[0].Value;
            var response = await cli.Silo.AdminAsync(HttpMethod.Post, "admin/v1/pause",
                new JsonObject { ["policy"] = parse.GetValue(policy), ["key"] = parse.GetValue(key), ["for"] = text }, cancel);
            await Write(cli, response, view => Render.KeyView(cli.Console, view));
            return ExitCodes.Ok;
        }, policy, key, duration);
    }

    /// <summary>The server's JSON under <c>--json</c>, otherwise what <paramref name="human"/> renders of it.</summary>
    internal static async Task Write(CliContext cli, SiloResponse response, Action<System.Text.Json.JsonElement> human)
    {
        if (cli.Json)
        {
            await cli.Stdout.WriteLineAsync(response.Body);
        }
        else
        {
            human(response.Json);
        }
    }
}
