using System.Diagnostics;
using GrainLimiter.Benchmarks.Load;
using GrainLimiter.Benchmarks.Traffic;

namespace GrainLimiter.Benchmarks.Flood;

/// <summary>
/// The tenant that must not notice a key flood: a few keys, each with a known limit, checked at a steady pace over
/// <c>POST /v1/check</c>. Counts what each key admitted (never above its limit, and every decision counted), errors
/// (a transport failure, a status other than 200/429, an answer with a failure-mode reason) and 5xx apart, and the
/// latency of every call from its actual send.
/// </summary>
internal sealed class SteadyClient(Uri silo, string policy, int keys, long limit, double callsPerSecond, int workers) : IDisposable
{
    private readonly HttpChecker _checker = new(workers);
    private readonly long[] _admitted = new long[keys];
    private readonly long[] _denied = new long[keys];
    private readonly LatencyHistogram[] _latency = Enumerable.Range(0, workers).Select(_ => new LatencyHistogram()).ToArray();
    private long _errors;
    private long _serverErrors;
    private string? _firstError;

    public long Calls => _latency.Sum(static h => h.Count) + Interlocked.Read(ref _errors);

    /// <summary>Checks the policy on <c>steady-0</c>..<c>steady-{keys-1}</c> in turn until <paramref name="stop"/>.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var interval = Stopwatch.Frequency * (double)workers / callsPerSecond;
        var started = Stopwatch.GetTimestamp();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(worker => Task.Run(async () =>
        {
            for (long call = 0; !stop.IsCancellationRequested; call++)
            {
                var due = started + (long)((call + (worker / (double)workers)) * interval);
                var wait = due - Stopwatch.GetTimestamp();
                if (wait > 0)
                {
                    try
                    {
                        await Task.Delay(TimeSpan.FromSeconds(wait / (double)Stopwatch.Frequency), stop).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                }

                await CallAsync(worker, (int)((call * workers + worker) % keys)).ConfigureAwait(false);
            }
        }, CancellationToken.None))).ConfigureAwait(false);
    }

    private async Task CallAsync(int worker, int key)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            // Not cancelled by the stop: a call sent is always answered or failed, so every admission is counted.
            var answer = await _checker.CheckAsync(silo, [(policy, KeyName(key), 1)], CancellationToken.None).ConfigureAwait(false);
            if (answer.IsServerError)
            {
                Interlocked.Increment(ref _serverErrors);
            }

            if (answer.Items is not [var item] || item.Reason is not null)
            {
                Error($"status {answer.Status}{(answer.Items is [{ Reason: { } reason }] ? $", reason {reason}" : "")}");
                return;
            }

            _latency[worker].RecordTicks(Stopwatch.GetTimestamp() - start); // each worker its own histogram
            if (item.Allowed)
            {
                Interlocked.Increment(ref _admitted[key]);
            }
            else
            {
                Interlocked.Increment(ref _denied[key]);
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            Error($"{e.GetType().Name}: {e.Message}");
        }
    }

    private void Error(string what)
    {
        Interlocked.Increment(ref _errors);
        Interlocked.CompareExchange(ref _firstError, what, null);
    }

    public static string KeyName(int key) => "steady-" + key.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>What the steady client saw; call once its run has ended.</summary>
    public SteadyResult Result()
    {
        var latency = new LatencyHistogram();
        foreach (var histogram in _latency)
        {
            latency.Add(histogram);
        }

        var overLimit = _admitted.Count(a => a > limit);
        // Exact: no key above its limit, and a key short of it admitted every check it was answered (a denial below the
        // limit would mean a count it kept that never happened).
        var exact = overLimit == 0 && _admitted.Zip(_denied).All(k => k.First == Math.Min(limit, k.First + k.Second));
        return new SteadyResult(keys, limit, latency.Count, _admitted.Sum(), _admitted.Max(), overLimit, exact, _errors, _serverErrors, _firstError,
            latency.Percentile(0.50) / 1000, latency.Percentile(0.99) / 1000);
    }

    public void Dispose() => _checker.Dispose();
}

/// <summary>What a <see cref="SteadyClient"/> saw: decisions, admissions (the most any key admitted against its limit),
/// errors and 5xx, p50 and p99 of a decided call in µs.</summary>
internal sealed record SteadyResult(int Keys, long Limit, long Decided, long Admitted, long MostAdmittedByAKey, int KeysOverLimit, bool Exact,
    long Errors, long ServerErrors, string? FirstError, double P50Us, double P99Us);
