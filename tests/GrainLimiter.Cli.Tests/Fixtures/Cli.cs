using System.Text.Json;

namespace GrainLimiter.Cli.Tests.Fixtures;

/// <summary>One run of the command line in this process: exit code, stdout, stderr.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json => JsonDocument.Parse(Stdout).RootElement;

    /// <summary>Runs <c>grainlimiter</c> with <paramref name="args"/> and only the given environment variables.</summary>
    public static async Task<CliRun> RunWithAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, stdout, stderr, name => environment?.GetValueOrDefault(name));
        return new CliRun(code, stdout.ToString(), stderr.ToString());
    }

    public static Task<CliRun> RunAsync(params string[] args) => RunWithAsync(null, args);

    public override string ToString() => $"exit {ExitCode}\nstdout:\n{Stdout}\nstderr:\n{Stderr}";
}
