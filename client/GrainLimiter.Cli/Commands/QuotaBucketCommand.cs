using System.CommandLine;
using Spectre.Console;

namespace GrainLimiter.Cli.Commands;

/// <summary><c>quota-bucket DOMAIN KEY=VALUE...</c>: one RLQS bucket's streams, demands, shares and assignments in force.</summary>
public static class QuotaBucketCommand
{
    public static Command QuotaBucket(Verb verb)
    {
        var domain = new Argument<string>("DOMAIN") { Description = "The RLQS domain Envoy reports the bucket in." };
        var id = new Argument<string[]>("KEY=VALUE") { Description = "The bucket id's entries, e.g. name=api tenant=acme.", Arity = ArgumentArity.OneOrMore };
        return verb.Make("quota-bucket",
            "Show a Rate Limit Quota Service bucket: its limit, each stream's demand, share and assignments (GET /admin/v1/quota-buckets).",
            async (parse, cli, cancel) =>
        {
            var entries = parse.GetValue(id)!.Select(static e => e.Split('=', 2)).ToArray();
            if (entries.Any(static e => e.Length != 2 || e[0].Length == 0 || e[1].Length == 0))
            {
                throw new CliException(ExitCodes.Usage, "grainlimiter: each bucket id entry is KEY=VALUE, both non-empty (e.g. name=api).");
            }

            var query = string.Join('&', entries.Select(static e => Uri.EscapeDataString(e[0]) + "=" + Uri.EscapeDataString(e[1])));
            var response = await cli.Silo.AdminAsync(HttpMethod.Get,
                $"admin/v1/quota-buckets/{Uri.EscapeDataString(parse.GetValue(domain)!)}?{query}", null, cancel);
            await KeyCommands.Write(cli, response, json =>
            {
                cli.Console.WriteLine($"{Render.Text(json, "name")}: {Render.Text(json, "limit")} per {Render.Text(json, "windowMs")} ms shared, " +
                    $"{Render.Text(json, "reserved")} assigned in force" +
                    (Render.Text(json, "quarantinedUntil") is { Length: > 0 } until ? $", quarantined until {until}" : ""));
                var table = new Table().AddColumns("stream", "demand", "share", "in force", "expires", "last report");
                foreach (var stream in Render.Items(json, "streams"))
                {
                    table.AddRow(Markup.Escape(Render.Text(stream, "stream")), Render.Text(stream, "demand"), Render.Text(stream, "share"),
                        Render.Text(stream, "reserved"), Markup.Escape(Render.Text(stream, "expiresAt")), Markup.Escape(Render.Text(stream, "lastReport")));
                }

                cli.Console.Write(table);
            });
            return ExitCodes.Ok;
        }, domain, id);
    }
}
