using System.Diagnostics;

namespace GrainLimiter.Benchmarks.Load;

/// <summary>
/// One system under test. The driver calls <see cref="CallAsync"/> from <see cref="LoadSettings.Concurrency"/> workers
/// (or from one thread per core for in-process contenders), each with its own keys, until the phase's time or call budget
/// runs out, and records every call's latency.
/// </summary>
internal abstract class Contender : IAsyncDisposable
{
    public abstract string Name { get; }

    /// <summary>Checks per call: 1, or the batch size.</summary>
    public virtual int DecisionsPerCall => 1;

    /// <summary>True for the row every other row of the same <see cref="DecisionsPerCall"/> is ranked against (Redis + Lua, fixed window).</summary>
    public virtual bool IsBaseline => false;

    /// <summary>True for contenders that decide in this process: they run one synchronous loop per core, since more
    /// in-flight calls than cores add nothing without I/O.</summary>
    public virtual bool InProcess => false;

    /// <summary>True for contenders a GrainLimiter silo decides for through its policy file: they run the open phases again
    /// under <see cref="LimitKind.OpenUnleased"/>, to compare each row with leases and without.</summary>
    public virtual bool RunsLeasesOff => false;

    /// <summary>True for contenders that run the attack phase (<see cref="LimitKind.Attack"/> on one key): unbatched ones.
    /// GrainLimiter decides a batch all or nothing, so a batch naming one key 100 times would be one check of cost 100,
    /// not 100 checks; a pipelined Redis batch would then have no GrainLimiter row to be ranked against.</summary>
    public virtual bool RunsAttack => DecisionsPerCall == 1;

    /// <summary>The server processes that decide (silo, redis-server; a silo and its redis-server with Redis storage), whose
    /// CPU time per decision is reported; none in-process.</summary>
    public IReadOnlyList<Processes.ChildProcess> Servers { get; init; } = [];

    /// <summary>CPU time the <see cref="Servers"/> have used so far, together; null in-process.</summary>
    public TimeSpan? ServerCpuTime() => Servers.Count == 0 ? null : Servers.Aggregate(TimeSpan.Zero, (sum, server) => sum + server.CpuTime());

    /// <summary>Whether the servers ran on cores of their own (see <see cref="CoreLayout"/>).</summary>
    public CoreLayout Cores => Processes.CpuPinning.LayoutOf(Servers);

    /// <summary>Decides <paramref name="keys"/> (one call, all or nothing for a batch); returns how many were admitted.
    /// Throws for an error: <see cref="UndecidedAnswerException"/> for answers the key's grain did not decide, anything else
    /// (transport failure, bad status, deadline) for the whole call.</summary>
    public abstract ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken);

    public virtual ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>Drives the contender for a warm-up, then for the measured duration, every call checked against <paramref name="limit"/>.</summary>
    public virtual async Task<PhaseResult> RunAsync(LoadSettings settings, KeyDistribution keys, LimitKind limit, CancellationToken cancellationToken)
    {
        await WarmUpAsync(settings, keys, limit, cancellationToken).ConfigureAwait(false);
        return await MeasureAsync(settings, keys, limit, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Drives the contender for <see cref="LoadSettings.Warmup"/>, unmeasured.</summary>
    protected Task WarmUpAsync(LoadSettings settings, KeyDistribution keys, LimitKind limit, CancellationToken cancellationToken) =>
        DriveAsync(settings, keys, limit, settings.Warmup, cancellationToken);

    /// <summary>Drives the contender for <see cref="LoadSettings.Duration"/>, measuring calls, admissions and server CPU.</summary>
    protected async Task<PhaseResult> MeasureAsync(LoadSettings settings, KeyDistribution keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var cpuBefore = ServerCpuTime();
        var (workers, seconds, histogram, admitted, errors, firstError) = await DriveAsync(settings, keys, limit, settings.Duration, cancellationToken)
            .ConfigureAwait(false);
        var cpu = ServerCpuTime() - cpuBefore;
        return new PhaseResult
        {
            Contender = Name,
            Distribution = keys.Label,
            DecisionsPerCall = DecisionsPerCall,
            PacedCallsPerSecond = settings.Rate,
            IsBaseline = IsBaseline,
            Cores = Cores,
            Workers = workers,
            Calls = histogram.Count,
            Decisions = histogram.Count * DecisionsPerCall,
            Admitted = admitted,
            Errors = errors,
            FirstError = firstError,
            Seconds = seconds,
            P50Us = histogram.Percentile(0.50) / 1000,
            P99Us = histogram.Percentile(0.99) / 1000,
            P999Us = histogram.Percentile(0.999) / 1000,
            ServerCpuUsPerDecision = cpu is { } used && histogram.Count > 0 ? used.TotalMicroseconds / (histogram.Count * DecisionsPerCall) : null,
        };
    }

    /// <summary>Fires <see cref="LoadSettings.AccuracyRequests"/> checks at one key from every worker at once, in calls of
    /// <see cref="DecisionsPerCall"/> (a batched contender's batch names the hot key that many times).</summary>
    public virtual async Task<AccuracyResult> AccuracyAsync(LoadSettings settings, string hotKey, CancellationToken cancellationToken)
    {
        long remaining = settings.AccuracyRequests;
        long admitted = 0;
        long denied = 0;
        long errors = 0;
        var workers = InProcess ? Environment.ProcessorCount : settings.Concurrency;
        await Parallel.ForEachAsync(Enumerable.Range(0, workers),
            new ParallelOptions { MaxDegreeOfParallelism = workers, CancellationToken = cancellationToken },
            async (_, ct) =>
            {
                long left;
                while ((left = Interlocked.Add(ref remaining, -DecisionsPerCall) + DecisionsPerCall) > 0)
                {
                    var keys = Enumerable.Repeat(hotKey, (int)Math.Min(left, DecisionsPerCall)).ToArray();
                    try
                    {
                        var yes = await CallAsync(keys, LimitKind.Accuracy, ct).ConfigureAwait(false);
                        Interlocked.Add(ref admitted, yes);
                        Interlocked.Add(ref denied, keys.Length - yes);
                    }
                    catch (Exception e) when (!ct.IsCancellationRequested)
                    {
                        // An undecided answer is an error, even one that admitted (a fail-open fallback).
                        Interlocked.Add(ref errors, e is UndecidedAnswerException undecided ? undecided.Count : keys.Length);
                    }
                }
            }).ConfigureAwait(false);
        return new AccuracyResult(Name, settings.AccuracyLimit, settings.AccuracyRequests, admitted, denied, errors);
    }

    private async Task<(int Workers, double Seconds, LatencyHistogram Histogram, long Admitted, long Errors, string? FirstError)> DriveAsync(
        LoadSettings settings, KeyDistribution keys, LimitKind limit, TimeSpan duration, CancellationToken cancellationToken)
    {
        var workers = InProcess ? Environment.ProcessorCount : settings.Concurrency;
        var budget = Math.Max(1, settings.MaxCallsPerPhase / workers);
        var histograms = new LatencyHistogram[workers];
        var admitted = new long[workers];
        var errors = new long[workers];
        string? firstError = null;
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var started = Stopwatch.GetTimestamp();
        // Paced: each worker's calls are due every `interval` ticks, worker i offset by i/workers of it so the calls
        // arrive as an even stream, not in bursts of every worker at once. Latency counts from the actual send: the
        // pacing timer's own slack (about a millisecond) would otherwise swamp sub-millisecond answers. A server that
        // cannot keep up shows as an achieved rate below the one asked for.
        var interval = settings.Rate is { } rate ? Stopwatch.Frequency * (double)workers / rate : 0;

        async Task WorkerAsync(int index)
        {
            var histogram = histograms[index] = new LatencyHistogram();
            var random = new Random(index * 7919 + Environment.TickCount);
            var batch = new string[DecisionsPerCall];
            for (long call = 0; call < budget && !cancellationToken.IsCancellationRequested; call++)
            {
                for (var i = 0; i < batch.Length; i++)
                {
                    batch[i] = keys.NextKey(random);
                }

                var start = Stopwatch.GetTimestamp();
                if (interval > 0)
                {
                    var due = started + (long)((call + (index / (double)workers)) * interval);
                    if (due >= end)
                    {
                        break; // not due within the phase: waiting for it would only stretch the phase's seconds
                    }

                    if (due > start)
                    {
                        await Task.Delay(TimeSpan.FromSeconds((due - start) / (double)Stopwatch.Frequency), cancellationToken).ConfigureAwait(false);
                        start = Stopwatch.GetTimestamp();
                    }
                }

                if (start >= end)
                {
                    break;
                }

                try
                {
                    var pending = CallAsync(batch, limit, cancellationToken);
                    var yes = pending.IsCompletedSuccessfully ? pending.Result : await pending.ConfigureAwait(false);
                    histogram.RecordTicks(Stopwatch.GetTimestamp() - start);
                    admitted[index] += yes;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    // Errors count decisions, as the row's decisions do: a failed batch is that many errors.
                    errors[index] += e is UndecidedAnswerException undecided ? undecided.Count : DecisionsPerCall;
                    Interlocked.CompareExchange(ref firstError, $"{e.GetType().Name}: {e.Message}", null);
                }
            }
        }

        Task[] tasks = InProcess
            ? Enumerable.Range(0, workers).Select(i => Task.Factory.StartNew(() => WorkerAsync(i).GetAwaiter().GetResult(),
                cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray()
            : Enumerable.Range(0, workers).Select(i => Task.Run(() => WorkerAsync(i), cancellationToken)).ToArray();
        await Task.WhenAll(tasks).ConfigureAwait(false);
        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        cancellationToken.ThrowIfCancellationRequested();

        var total = new LatencyHistogram();
        foreach (var histogram in histograms)
        {
            total.Add(histogram);
        }

        return (workers, seconds, total, admitted.Sum(), errors.Sum(), firstError);
    }
}
