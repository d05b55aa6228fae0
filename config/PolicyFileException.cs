namespace GrainLimiter.Config;

/// <summary>A policy file that cannot be used; <see cref="Errors"/> names each problem's file, line, policy, field and what is wrong.</summary>
public sealed class PolicyFileException : Exception
{
    /// <summary>A file with the problems listed, each "file (line L, column C): path: problem".</summary>
    public PolicyFileException(string source, IReadOnlyList<string> errors)
        : base($"{source} is invalid:{Environment.NewLine}  " + string.Join(Environment.NewLine + "  ", errors)) => Errors = errors;

    /// <summary>A file that could not be read at all.</summary>
    public PolicyFileException(string message, Exception? inner = null) : base(message, inner) => Errors = [message];

    /// <summary>Every problem, one sentence each.</summary>
    public IReadOnlyList<string> Errors { get; }
}
