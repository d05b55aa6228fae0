using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Cluster;

/// <summary>Callers hammering silo fronts with one-key checks until stopped, counting what each key admitted and the answers per second.</summary>
internal sealed class ClusterLoad
{
    private readonly ConcurrentDictionary<string, int> _admitted = new(StringComparer.Ordinal);
    private long _requests;
    private long _denied;
    private long _provisional;
    private readonly ConcurrentQueue<string> _errors = new();
    private readonly Stopwatch _clock = new();

    public long Requests => Interlocked.Read(ref _requests);

    public long Denied => Interlocked.Read(ref _denied);

    /// <summary>Answers given by a failure mode because the owner was unreachable.</summary>
    public long Provisional => Interlocked.Read(ref _provisional);

    public long Admitted => _admitted.Values.Sum();

    public long AdmittedOf(string key) => _admitted.GetValueOrDefault(key);

    public DecisionTimeline Timeline { get; } = new();

    public IReadOnlyCollection<string> Errors => _errors;

    public TimeSpan Elapsed => _clock.Elapsed;

    public double RequestsPerSecond => Requests / Math.Max(0.001, Elapsed.TotalSeconds);

    /// <summary>Runs <paramref name="callers"/> loops over the <paramref name="fronts"/> in rotation and <paramref name="keys"/> until
    /// <paramref name="stop"/>.</summary>
    public Task RunAsync(FrontRotation fronts, string policy, IReadOnlyList<string> keys, int callers, TimeSpan pause, CancellationToken stop)
    {
        _clock.Start();
        return Task.WhenAll(Enumerable.Range(0, callers).Select(caller => Task.Run(async () =>
        {
            for (var i = caller; !stop.IsCancellationRequested; i += callers)
            {
                var key = keys[i % keys.Count];
                var front = fronts.Take(caller + i / callers);
                try
                {
                    using var response = await front.Http.PostAsync(new Uri("/v1/check", UriKind.Relative), SiloProcessCluster.CheckBody((policy, key)),
                        CancellationToken.None);
                    Interlocked.Increment(ref _requests);
                    Timeline.Record(_clock.Elapsed);
                    if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.TooManyRequests))
                    {
                        _errors.Enqueue($"{front.HttpPort}: HTTP {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                        continue;
                    }

                    using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
                    var result = json.RootElement.GetProperty("results")[0];
                    if (result.TryGetProperty("reason", out var reason) && reason.GetString() == "owner_unreachable")
                    {
                        Interlocked.Increment(ref _provisional);
                    }

                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        _admitted.AddOrUpdate(key, 1, static (_, n) => n + 1);
                    }
                    else
                    {
                        Interlocked.Increment(ref _denied);
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    _errors.Enqueue($"{front.HttpPort}: {e.GetType().Name} {e.Message}");
                }
                finally
                {
                    fronts.Return(front);
                }

                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, CancellationToken.None);
                }
            }
        }))).ContinueWith(_ => _clock.Stop(), TaskScheduler.Default);
    }
}
