namespace GrainLimiter.Benchmarks.Load.Processes;

/// <summary>What the verbs that start processes (load, flood, soak) share: <c>--help</c>, settings parsed with a bad one answered
/// by its message and exit code 2, and a run that Ctrl-C cancels and after which every process it started is killed.</summary>
internal static class ProcessCommand
{
    /// <summary>False, with the exit code, when <paramref name="args"/> ask for help (0) or hold a bad setting (2).</summary>
    public static bool TryParse<TSettings>(string[] args, string usage, Func<string[], TSettings> parse, out TSettings settings, out int exitCode)
    {
        settings = default!;
        exitCode = 0;
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.WriteLine(usage);
            return false;
        }

        try
        {
            settings = parse(args);
            return true;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine(e.Message);
            exitCode = 2;
            return false;
        }
    }

    /// <summary>Runs <paramref name="run"/> until it ends or Ctrl-C (exit code 130), then kills every process started.</summary>
    public static async Task<int> RunAsync(Func<CancellationToken, Task<int>> run)
    {
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
            return await run(cancellation.Token).ConfigureAwait(false);
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

    /// <summary>Prints a run's markdown report and writes it to <paramref name="fileName"/> in <paramref name="directory"/>; exit code 1
    /// when the run did not pass.</summary>
    public static async Task<int> WriteReportAsync(string directory, string fileName, string markdown, bool passed)
    {
        Console.WriteLine(markdown);
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, fileName);
        await File.WriteAllTextAsync(file, markdown, CancellationToken.None).ConfigureAwait(false);
        Console.WriteLine($"Written: {file}");
        return passed ? 0 : 1;
    }
}
