using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Flood;

/// <summary>The <c>flood</c> verb: parses its options, runs <see cref="FloodRun"/>, prints the table and writes it to
/// <c>flood.md</c>. Exit code 1 when the run did not pass (a crash, a 5xx, an error, a steady key not exact); every
/// process it started is killed at the end, on failure and on Ctrl-C.</summary>
internal static class FloodCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(FloodSettings.Usage);
            return 0;
        }

        FloodSettings settings;
        try
        {
            settings = FloodSettings.Parse(args);
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
            ChildProcess.KillAll();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var report = await FloodRun.RunAsync(settings, cancellation.Token).ConfigureAwait(false);
            var markdown = report.ToMarkdown();
            Console.WriteLine(markdown);
            Directory.CreateDirectory(settings.OutputDirectory);
            var file = Path.Combine(settings.OutputDirectory, "flood.md");
            await File.WriteAllTextAsync(file, markdown, CancellationToken.None).ConfigureAwait(false);
            Console.WriteLine($"Written: {file}");
            return report.Passed ? 0 : 1;
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            Console.Error.WriteLine("Cancelled; every process started was stopped.");
            return 130;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            ChildProcess.KillAll();
        }
    }
}
