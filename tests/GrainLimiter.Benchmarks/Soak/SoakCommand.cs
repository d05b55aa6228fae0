using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Soak;

/// <summary>The <c>soak</c> verb: parses its options, runs <see cref="SoakRun"/>, prints the table and writes it to
/// <c>soak.md</c>. Exit code 1 when the run did not pass (a 5xx, a crash, a count lost beyond the bound, a trend not flat); every
/// process it started is killed at the end, on failure and on Ctrl-C.</summary>
internal static class SoakCommand
{
    public static Task<int> RunAsync(string[] args) =>
        ProcessCommand.TryParse(args, SoakSettings.Usage, SoakSettings.Parse, out var settings, out var exitCode)
            ? ProcessCommand.RunAsync(async cancellationToken =>
            {
                var report = await SoakRun.RunAsync(settings, cancellationToken).ConfigureAwait(false);
                return await ProcessCommand.WriteReportAsync(settings.OutputDirectory, "soak.md", report.ToMarkdown(), report.Passed).ConfigureAwait(false);
            })
            : Task.FromResult(exitCode);
}
