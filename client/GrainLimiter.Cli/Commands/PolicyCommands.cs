using System.CommandLine;
using System.Net;
using System.Text.Json.Nodes;
using GrainLimiter.Config;
using GrainLimiter.Config.Envoy;
using Spectre.Console;

namespace GrainLimiter.Cli.Commands;

/// <summary><c>policies validate</c> (offline, the silo's own validator) and <c>policies reload</c>.</summary>
public static class PolicyCommands
{
    public static Command Policies(Verb verb, TextWriter stderr)
    {
        var command = new Command("policies", "Validate a policy file offline, or make the cluster reload its own.");
        command.Add(Validate(verb, stderr));
        command.Add(Reload(verb, stderr));
        return command;
    }

    private static Command Validate(Verb verb, TextWriter stderr)
    {
        var file = new Argument<string>("FILE") { Description = "The policy file (YAML)." };
        var envoy = new Option<string[]>("--envoy") { Description = "Envoy descriptor files or directories to validate too.", HelpName = "DIR" };
        var command = new Command("validate", "Check a policy file (and Envoy descriptor files) as the silo would, offline. Exit 2 when invalid.");
        command.Add(file);
        command.Add(envoy);
        command.SetAction(async (parse, cancel) =>
        {
            var path = parse.GetValue(file)!;
            var errors = new List<string>();
            IReadOnlyList<string> names = [];
            var domains = 0;
            try
            {
                names = PolicyFileLoader.LoadFile(path).Select(static p => p.Name).ToArray();
            }
            catch (PolicyFileException e)
            {
                errors.AddRange(e.Errors);
            }

            if (parse.GetValue(envoy) is { Length: > 0 } envoyPaths)
            {
                try
                {
                    domains = EnvoyConfigLoader.Load(envoyPaths).Domains.Count;
                }
                catch (EnvoyConfigException e)
                {
                    errors.AddRange(e.Errors);
                }
            }

            var stdout = parse.InvocationConfiguration.Output;
            if (parse.GetValue(verb.Global.Json))
            {
                var result = new JsonObject
                {
                    ["file"] = path,
                    ["valid"] = errors.Count == 0,
                    ["policies"] = new JsonArray([.. names.Select(static n => (JsonNode)n)]),
                    ["errors"] = new JsonArray([.. errors.Select(static e => (JsonNode)e)]),
                };
                await stdout.WriteLineAsync(result.ToJsonString());
            }
            else if (errors.Count > 0)
            {
                await stderr.WriteLineAsync($"{path} is invalid:");
                foreach (var error in errors)
                {
                    await stderr.WriteLineAsync("  " + error);
                }
            }
            else
            {
                await stdout.WriteLineAsync($"{path} is valid: {names.Count} {(names.Count == 1 ? "policy" : "policies")} ({string.Join(", ", names)})" +
                    (parse.GetValue(envoy) is { Length: > 0 } ? $"; {domains} Envoy {(domains == 1 ? "domain" : "domains")}." : "."));
            }

            return errors.Count == 0 ? ExitCodes.Ok : ExitCodes.Usage;
        });
        return command;
    }

    private static Command Reload(Verb verb, TextWriter stderr) =>
        verb.Make("reload", "Reload the policy file on every silo (POST /admin/v1/policies/reload); an invalid file is refused with every problem named.",
            async (parse, cli, cancel) =>
        {
            var response = await cli.Silo.SendAsync(HttpMethod.Post, "admin/v1/policies/reload", new JsonObject(), admin: true, cancel);
            if (response.Status == HttpStatusCode.BadRequest && SiloHttpClient.Problem(response.Body).Title is { } title
                && response.Json.TryGetProperty("errors", out _))
            {
                if (cli.Json)
                {
                    await cli.Stdout.WriteLineAsync(response.Body);
                }

                await stderr.WriteLineAsync($"grainlimiter: {title}; the policies in force are unchanged:");
                foreach (var error in Render.Items(response.Json, "errors"))
                {
                    await stderr.WriteLineAsync("  " + error.GetString());
                }

                return ExitCodes.Usage;
            }

            if (response.Status != HttpStatusCode.OK)
            {
                throw cli.Silo.Failure(HttpMethod.Post, "/admin/v1/policies/reload", response, admin: true);
            }

            await KeyCommands.Write(cli, response, json => cli.Console.MarkupLine(
                $"reloaded: version {Render.Text(json, "version")}, "
                + $"policies: {Markup.Escape(string.Join(", ", Render.Items(json, "policies").Select(static p => p.GetString())))}"));
            return ExitCodes.Ok;
        });
}
