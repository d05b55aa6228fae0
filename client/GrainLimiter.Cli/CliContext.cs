using Spectre.Console;

namespace GrainLimiter.Cli;

/// <summary>What every verb runs with: the silo's client, where output goes and whether it is JSON.</summary>
public sealed class CliContext(SiloHttpClient silo, IAnsiConsole console, TextWriter stdout, bool json)
{
    public SiloHttpClient Silo { get; } = silo;

    /// <summary>Tables and text for people.</summary>
    public IAnsiConsole Console { get; } = console;

    /// <summary>Where <c>--json</c> output is written, one document per line.</summary>
    public TextWriter Stdout { get; } = stdout;

    public bool Json { get; } = json;
}
