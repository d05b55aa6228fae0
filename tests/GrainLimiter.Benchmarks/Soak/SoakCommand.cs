using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Soak;

/// <summary>The <c>soak</c> verb: parses its options, runs <see cref="SoakRun"/>, prints the table and writes it to
/// <c>soak.md</c>. Exit code 1 when the run did not pass (a 5xx, a crash, a count lost beyond the bound, a trend not flat); every
/// process it started is killed at the end, on failure and on Ctrl-C.</summary>
internal static class SoakCommand
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(SoakSettings.Usage);
            return 0;
        }

        SoakSettings settings;
        try
        {
            settings = SoakSettings.Parse(args);
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
            var report = await SoakRun.RunAsync(settings, cancellation.Token).ConfigureAwait(false);
            var markdown = report.ToMarkdown();
            Console.WriteLine(markdown);
            Directory.CreateDirectory(settings.OutputDirectory);
            var file = Path.Combine(settings.OutputDirectory, "soak.md");
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
