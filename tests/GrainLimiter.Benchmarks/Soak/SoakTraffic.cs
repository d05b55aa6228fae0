using System.Diagnostics;
using GrainLimiter.Benchmarks.Load;
using GrainLimiter.Benchmarks.Traffic;

namespace GrainLimiter.Benchmarks.Soak;

/// <summary>
/// The soak's callers: paced single checks over <c>POST /v1/check</c>, each naming one of the <see cref="SoakPolicy.All"/>
/// mix and a Zipf-drawn key, sent to a front of the cluster picked at random. Counts every admission per policy and key
/// (and, for the audited policies, when its answer came, in 100 ms slots), every error by kind (transport, a status other
/// than 200/429, a failure-mode reason) and 5xx apart.
/// </summary>
internal sealed class SoakTraffic : IDisposable
{
    private static readonly long SlotTicks = Stopwatch.Frequency / 10;
    private readonly SoakSettings _settings;
    private readonly SoakCluster _cluster;
    private readonly KeyDistribution _keys;
    private readonly HttpChecker _checker;
    private readonly long[][] _admitted;
    private readonly long[] _auditedAdmissionsBySlot;
    private readonly LatencyHistogram[] _latency;
    private readonly Dictionary<string, long> _errors = new(StringComparer.Ordinal);
    private readonly long _started = Stopwatch.GetTimestamp();
    private long _serverErrors;

    public SoakTraffic(SoakSettings settings, SoakCluster cluster)
    {
        _settings = settings;
        _cluster = cluster;
        _keys = KeyDistribution.Zipf(settings.Keys, settings.ZipfExponent);
        _checker = new HttpChecker(settings.Workers);
        _admitted = SoakPolicy.All.Select(_ => new long[settings.Keys]).ToArray();
        // Slots for the whole run and the time it may overrun by (restarts of a slow machine).
        _auditedAdmissionsBySlot = new long[(int)((settings.Duration + TimeSpan.FromMinutes(10)).TotalSeconds * 10)];
        _latency = Enumerable.Range(0, settings.Workers).Select(_ => new LatencyHistogram()).ToArray();
    }

    /// <summary>Time since the traffic's clock started: every event of the run is on it.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(_started);

    public IReadOnlyList<string> KeyNames => _keys.Keys;

    public long Admitted(int policy, int key) => Interlocked.Read(ref _admitted[policy][key]);

    public long ServerErrors => Interlocked.Read(ref _serverErrors);

    public long Decided => _latency.Sum(static h => h.Count);

    public IReadOnlyDictionary<string, long> Errors
    {
        get
        {
            lock (_errors)
            {
                return new Dictionary<string, long>(_errors, StringComparer.Ordinal);
            }
        }
    }

    public double PercentileUs(double fraction)
    {
        var all = new LatencyHistogram();
        foreach (var histogram in _latency)
        {
            all.Add(histogram);
        }

        return all.Percentile(fraction) / 1000;
    }

    /// <summary>Admissions of the audited policies whose answer came between <paramref name="from"/> and <paramref name="to"/>.</summary>
    public long AuditedAdmissionsBetween(TimeSpan from, TimeSpan to)
    {
        var first = Math.Max(0, (int)(from.TotalSeconds * 10));
        var last = Math.Min(_auditedAdmissionsBySlot.Length - 1, (int)Math.Ceiling(to.TotalSeconds * 10));
        long sum = 0;
        for (var slot = first; slot <= last; slot++)
        {
            sum += Interlocked.Read(ref _auditedAdmissionsBySlot[slot]);
        }

        return sum;
    }

    /// <summary>Paced calls from every worker until <paramref name="stop"/>; a call sent is always awaited to its answer.</summary>
    public Task RunAsync(CancellationToken stop)
    {
        var interval = Stopwatch.Frequency * (double)_settings.Workers / _settings.CallsPerSecond;
        return Task.WhenAll(Enumerable.Range(0, _settings.Workers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker * 7919 + 17);
            for (long call = 0; !stop.IsCancellationRequested; call++)
            {
                var wait = _started + (long)((call + (worker / (double)_settings.Workers)) * interval) - Stopwatch.GetTimestamp();
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

                await CallAsync(worker, random).ConfigureAwait(false);
            }
        }, CancellationToken.None)));
    }

    private async Task CallAsync(int worker, Random random)
    {
        var fronts = _cluster.Fronts;
        if (fronts.Count == 0)
        {
            return;
        }

        var silo = fronts[random.Next(fronts.Count)];
        var policyIndex = random.Next(SoakPolicy.All.Count);
        var policy = SoakPolicy.All[policyIndex];
        var key = _keys.Next(random);
        var start = Stopwatch.GetTimestamp();
        try
        {
            var answer = await _checker.CheckAsync(silo.HttpAddress, [(policy.Name, _keys.Keys[key], 1)], CancellationToken.None).ConfigureAwait(false);
            if (answer.IsServerError)
            {
                Interlocked.Increment(ref _serverErrors);
            }

            if (answer.Items is not [var item])
            {
                Error($"status {answer.Status}");
                return;
            }

            if (item.Reason is { } reason)
            {
                Error($"reason {reason}");
                return;
            }

            var end = Stopwatch.GetTimestamp();
            _latency[worker].RecordTicks(end - start); // each worker its own histogram
            if (item.Allowed)
            {
                Interlocked.Increment(ref _admitted[policyIndex][key]);
                if (policy.Audited)
                {
                    Interlocked.Increment(ref _auditedAdmissionsBySlot[Math.Min(_auditedAdmissionsBySlot.Length - 1, (int)((end - _started) / SlotTicks))]);
                }
            }
        }
        catch (Exception e) when (e is HttpRequestException or OperationCanceledException or System.Text.Json.JsonException)
        {
            Error(e is OperationCanceledException ? "timeout (10 s)" : "transport");
        }
    }

    private void Error(string kind)
    {
        lock (_errors)
        {
            _errors[kind] = _errors.GetValueOrDefault(kind) + 1;
        }
    }

    public void Dispose() => _checker.Dispose();
}
