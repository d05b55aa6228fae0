using System.Text.RegularExpressions;
using GrainLimiter.Config;
using GrainLimiter.Config.Envoy;
using GrainLimiter.Silo.Storage;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo;

/// <summary>Start-up failures a person fixes (a policy file, an Envoy file, a setting, Redis' credentials), told in their terms,
/// without a stack trace.</summary>
/// <remarks>Any other exception is a bug and still crashes with its stack trace.</remarks>
public static partial class StartupProblems
{
    /// <summary>Exit code of a silo stopped by a problem in its configuration.</summary>
    public const int ExitCode = 2;

    /// <summary>The text to print for a known start-up problem, or null for anything else.</summary>
    public static string? Describe(Exception exception) => exception switch
    {
        PolicyFileException or EnvoyConfigException => exception.Message,
        OptionsValidationException options =>
            "Settings are invalid:" + Environment.NewLine + string.Join(Environment.NewLine, options.Failures.Select(static f => "  " + f)),
        // Configuration binding: "Failed to convert configuration value 'abc' at 'GrainLimiter:MaxCost' to type 'System.Int64'."
        InvalidOperationException when BinderFailure().Match(exception.Message) is { Success: true } match =>
            $"Settings are invalid:{Environment.NewLine}  {match.Groups["path"].Value.Replace(":", "__", StringComparison.Ordinal)}: " +
            $"'{match.Groups["value"].Value}' is not a {Friendly(match.Groups["type"].Value)}.",
        // A wrong password, user or CA, or a Redis that is down: the setting to check, not a stack trace.
        _ when RedisConfiguration.ConnectionProblem(exception) is { } redis => redis,
        AggregateException aggregate when aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(static e => Describe(e) is not null) =>
            string.Join(Environment.NewLine, aggregate.InnerExceptions.Select(static e => Describe(e))),
        _ => null,
    };

    /// <summary>Runs the silo; a known start-up problem is printed to stderr and exits with <see cref="ExitCode"/>.</summary>
    public static async Task<int> RunAsync(Func<Task> run, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            await run();
            return 0;
        }
        catch (Exception e) when (Describe(e) is { } problem)
        {
            await stderr.WriteLineAsync(problem);
            await stderr.WriteLineAsync("The silo did not start.");
            return ExitCode;
        }
    }

    private static string Friendly(string type) => type switch
    {
        "System.Int32" or "System.Int64" => "whole number",
        "System.Double" => "number",
        "System.Boolean" => "true or false",
        "System.TimeSpan" => "duration (hh:mm:ss, e.g. 00:00:30)",
        _ => type,
    };

    [GeneratedRegex("^Failed to convert configuration value (?:'(?<value>.*)' )?at '(?<path>[^']+)' to type '(?<type>[^']+)'")]
    private static partial Regex BinderFailure();
}
