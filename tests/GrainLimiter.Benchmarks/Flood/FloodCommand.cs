using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Flood;

/// <summary>The <c>flood</c> verb: parses its options, runs <see cref="FloodRun"/>, prints the table and writes it to
/// <c>flood.md</c>. Exit code 1 when the run did not pass (a crash, a 5xx, an error, a steady key not exact); every
/// process it started is killed at the end, on failure and on Ctrl-C.</summary>
internal static class FloodCommand
{
    public static Task<int> RunAsync(string[] args) =>
        ProcessCommand.TryParse(args, FloodSettings.Usage, FloodSettings.Parse, out var settings, out var exitCode)
            ? ProcessCommand.RunAsync(async cancellationToken =>
            {
                var report = await FloodRun.RunAsync(settings, cancellationToken).ConfigureAwait(false);
                return await ProcessCommand.WriteReportAsync(settings.OutputDirectory, "flood.md", report.ToMarkdown(), report.Passed).ConfigureAwait(false);
            })
            : Task.FromResult(exitCode);
}
