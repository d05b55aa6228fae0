using System.CommandLine;

namespace GrainLimiter.Cli.Commands;

/// <summary>Makes verbs: a command whose action gets a <see cref="CliContext"/> and returns an exit code.</summary>
public sealed class Verb(GlobalOptions global, TextWriter stdout)
{
    public GlobalOptions Global { get; } = global;

    public Command Make(string name, string description, Func<ParseResult, CliContext, CancellationToken, Task<int>> action, params Symbol[] symbols)
    {
        var command = new Command(name, description);
        foreach (var symbol in symbols)
        {
            switch (symbol)
            {
                case Argument argument:
                    command.Add(argument);
                    break;
                case Option option:
                    command.Add(option);
                    break;
            }
        }

        command.SetAction(async (parse, cancel) =>
        {
            var context = Global.Context(parse, stdout);
            using (context.Silo)
            {
                return await action(parse, context, cancel);
            }
        });
        return command;
    }

    public static Argument<string> Policy() => new("POLICY") { Description = "The policy's name, as in the policy file." };

    public static Argument<string> Key() => new("KEY") { Description = "The key (e.g. user:42); slashes are kept." };
}
