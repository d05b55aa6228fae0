using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Cluster;

/// <summary>How one check was answered.</summary>
internal enum HotKeyAnswer
{
    /// <summary>Decided by the key's grain or a front's lease: admitted.</summary>
    Admitted,

    /// <summary>Decided: denied by the limit (the grain or a cached denial).</summary>
    Denied,

    /// <summary>Answered by the policy's failure mode (<c>owner_unreachable</c>, <c>store_unavailable</c>): nothing was decided.</summary>
    FailureMode,

    /// <summary>A 5xx: never allowed.</summary>
    ServerError,

    /// <summary>No answer: the connection failed or the front died with the request.</summary>
    TransportError,
}

/// <summary>
/// A fixed number of callers sending one-key checks through fixed fronts, at most <c>maxChecks</c> in all, each answer classified and
/// timed: what a test needs to count the admissions of a key around a failure.
/// </summary>
internal sealed class HotKeyLoad(string policy, int maxChecks)
{
    private readonly ConcurrentQueue<(TimeSpan At, int Front, string Key, HotKeyAnswer Answer, string Detail)> _answers = new();
    private readonly Stopwatch _clock = new();
    private int _sent;

    /// <summary>Time since the load started, on the clock the answers are stamped with.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public int Sent => Math.Min(Volatile.Read(ref _sent), maxChecks);

    public int Answered => _answers.Count;

    public bool Exhausted => Volatile.Read(ref _sent) >= maxChecks;

    /// <summary>Answers of <paramref name="answer"/> for <paramref name="key"/>, optionally only those answered within [from, to).</summary>
    public int Count(string key, HotKeyAnswer answer, TimeSpan? from = null, TimeSpan? to = null) =>
        _answers.Count(a => a.Key == key && a.Answer == answer && a.At >= (from ?? TimeSpan.Zero) && a.At < (to ?? TimeSpan.MaxValue));

    /// <summary>Admissions answered by the front on <paramref name="httpPort"/> from <paramref name="from"/> on.</summary>
    public int AdmittedBy(int httpPort, string key, TimeSpan from) =>
        _answers.Count(a => a.Front == httpPort && a.Key == key && a.Answer == HotKeyAnswer.Admitted && a.At >= from);

    public IEnumerable<string> Details(HotKeyAnswer answer) => _answers.Where(a => a.Answer == answer).Select(static a => $"{a.Front}: {a.Detail}").Take(5);

    /// <summary>
    /// Runs caller <c>i</c> on <c>fronts[i % fronts.Count]</c> (a front whose process exited is left for the next live one) with
    /// <paramref name="pause"/> between its checks, each of the key <paramref name="keyOf"/> gives for the check's number, until
    /// <paramref name="stop"/> or <c>maxChecks</c>.
    /// </summary>
    public Task RunAsync(IReadOnlyList<SiloProcess> fronts, int callers, Func<int, string> keyOf, TimeSpan pause, CancellationToken stop)
    {
        _clock.Start();
        return Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            int check;
            while (!stop.IsCancellationRequested && (check = Interlocked.Increment(ref _sent)) <= maxChecks)
            {
                var front = Enumerable.Range(caller, fronts.Count).Select(i => fronts[i % fronts.Count]).FirstOrDefault(static f => !f.HasExited);
                if (front is null)
                {
                    return;
                }

                var key = keyOf(check);
                var (answer, detail) = await CheckAsync(front, key);
                _answers.Enqueue((_clock.Elapsed, front.HttpPort, key, answer, detail));
                await Task.Delay(pause, CancellationToken.None);
            }
        })));
    }

    private async Task<(HotKeyAnswer, string)> CheckAsync(SiloProcess front, string key)
    {
        try
        {
            using var response = await front.Http.PostAsync(new Uri("/v1/check", UriKind.Relative), SiloProcessCluster.CheckBody((policy, key)),
                CancellationToken.None);
            var body = await response.Content.ReadAsStringAsync();
            // A check shed by its deadline while the owner hangs is the designed refusal (503 with Retry-After), not a fault.
            if (response.StatusCode == HttpStatusCode.ServiceUnavailable && response.Headers.RetryAfter is not null)
            {
                return (HotKeyAnswer.FailureMode, "overloaded");
            }

            if ((int)response.StatusCode >= 500)
            {
                return (HotKeyAnswer.ServerError, $"HTTP {(int)response.StatusCode} {body}");
            }

            if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests))
            {
                throw new InvalidOperationException($"HTTP {(int)response.StatusCode} for a valid check: {body}");
            }

            using var json = JsonDocument.Parse(body);
            var result = json.RootElement.GetProperty("results")[0];
            if (result.TryGetProperty("reason", out var reason) && reason.GetString() is "owner_unreachable" or "store_unavailable")
            {
                return (HotKeyAnswer.FailureMode, reason.GetString()!);
            }

            return response.StatusCode == HttpStatusCode.OK ? (HotKeyAnswer.Admitted, "") : (HotKeyAnswer.Denied, body);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
        {
            return (HotKeyAnswer.TransportError, $"{e.GetType().Name} {e.Message}");
        }
    }
}
