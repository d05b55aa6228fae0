using System.CommandLine;
using Spectre.Console;

namespace GrainLimiter.Cli.Commands;

/// <summary><c>cluster</c>: the silos of the Orleans cluster, as a table.</summary>
public static class ClusterCommand
{
    public static Command Cluster(Verb verb) =>
        verb.Make("cluster", "The silos of the cluster: address, name, status, activations (GET /admin/v1/cluster).", async (parse, cli, cancel) =>
        {
            var response = await cli.Silo.AdminAsync(HttpMethod.Get, "admin/v1/cluster", null, cancel);
            await KeyCommands.Write(cli, response, json =>
            {
                var self = Render.Text(json, "self");
                var table = new Table().AddColumns("silo", "endpoint", "name", "status", "activations");
                foreach (var silo in Render.Items(json, "silos"))
                {
                    var address = Render.Text(silo, "address");
                    var status = Render.Text(silo, "status");
                    table.AddRow(
                        Markup.Escape(address) + (address == self ? " (answered)" : ""),
                        Markup.Escape(Render.Text(silo, "endpoint")),
                        Markup.Escape(Render.Text(silo, "name")),
                        status == "active" ? "[green]active[/]" : Markup.Escape(status),
                        Render.Text(silo, "activations"));
                }

                cli.Console.Write(table);
            });
            return ExitCodes.Ok;
        });
}
