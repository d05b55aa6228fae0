namespace GrainLimiter.Config.Envoy;

/// <summary>Descriptor configuration that cannot be used; <see cref="Errors"/> names every file, line, path and problem.</summary>
public sealed class EnvoyConfigException(IReadOnlyList<string> errors)
    : Exception("Invalid Envoy descriptor configuration:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(static e => "  " + e)))
{
    /// <summary>Every problem, one sentence each: "file (line L, column C): path: problem".</summary>
    public IReadOnlyList<string> Errors { get; } = errors;
}
