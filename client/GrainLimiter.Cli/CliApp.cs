using System.CommandLine;
using GrainLimiter.Cli.Commands;

namespace GrainLimiter.Cli;

/// <summary>The <c>grainlimiter</c> command line: verbs, global options, exit codes.</summary>
public static class CliApp
{
    public static RootCommand Build(TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
    {
        var global = new GlobalOptions(environment);
        var verb = new Verb(global, stdout);
        var root = new RootCommand("grainlimiter: look at and change a GrainLimiter cluster's keys, overrides and policies.\n" +
            "Exit codes: 0 ok, 1 denied (check), 2 usage or validation error, 3 auth (401/403), 4 not found, 5 silo unreachable or failing.");
        global.AddTo(root);
        root.Add(KeyCommands.Check(verb));
        root.Add(KeyCommands.Get(verb));
        root.Add(KeyCommands.Reset(verb));
        root.Add(OverrideCommands.Override(verb));
        root.Add(KeyCommands.Pause(verb));
        root.Add(PolicyCommands.Policies(verb, stderr));
        root.Add(ClusterCommand.Cluster(verb));
        root.Add(QuotaBucketCommand.QuotaBucket(verb));
        root.Add(TopCommand.Top(verb));
        return root;
    }

    /// <summary>Runs one command line; every failure is one line on stderr and an exit code, never a stack trace.</summary>
    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?> environment,
        CancellationToken cancel = default)
    {
        var parse = Build(stdout, stderr, environment).Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await stderr.WriteLineAsync($"grainlimiter: {error.Message}");
            }

            await stderr.WriteLineAsync("Run 'grainlimiter --help' (or 'grainlimiter VERB --help') for usage.");
            return ExitCodes.Usage;
        }

        try
        {
            return await parse.InvokeAsync(
                new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null },
                cancel);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            return ExitCodes.Ok; // Ctrl+C: how `top` is meant to end
        }
        catch (CliException e)
        {
            if (e.Json is not null && parse.GetValue<bool>("--json"))
            {
                await stdout.WriteLineAsync(e.Json);
            }

            await stderr.WriteLineAsync($"grainlimiter: {e.Message}");
            return e.ExitCode;
        }
    }
}
