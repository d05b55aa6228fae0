namespace GrainLimiter.Cli;

/// <summary>A failure to report in one sentence on stderr and exit with <see cref="ExitCode"/>; never a stack trace.</summary>
public sealed class CliException(int exitCode, string message, string? json = null) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>The server's problem document, printed as is under <c>--json</c>.</summary>
    public string? Json { get; } = json;
}
