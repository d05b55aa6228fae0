using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using GrainLimiter.Benchmarks.Load.Processes;

namespace GrainLimiter.Benchmarks.Soak;

/// <summary>
/// Silo processes on loopback forming one cluster on one redis-server (Redis storage and Redis membership, a cluster id
/// and key prefix of their own), each listed under a name that a replacement takes with a suffix. <see cref="Fronts"/>
/// are the silos that take traffic: a silo leaves the list before it is killed and its replacement joins it once ready.
/// </summary>
internal sealed class SoakCluster : IAsyncDisposable
{
    private const string AdminToken = "soak-admin-token-0123456789";
    private readonly Dictionary<string, string> _settings;
    private readonly List<(string Name, SiloProcess Silo)> _all = [];
    private volatile SiloProcess[] _fronts = [];

    private SoakCluster(Dictionary<string, string> settings) => _settings = settings;

    public IReadOnlyList<SiloProcess> Fronts => _fronts;

    /// <summary>Every silo started, the killed ones too, with the name its samples are reported under.</summary>
    public IReadOnlyList<(string Name, SiloProcess Silo)> All
    {
        get
        {
            lock (_all)
            {
                return [.. _all];
            }
        }
    }

    public static async Task<SoakCluster> StartAsync(SoakSettings settings, RedisServer redis, CancellationToken cancellationToken)
    {
        var id = "soak" + Guid.NewGuid().ToString("N")[..8];
        var cluster = new SoakCluster(new Dictionary<string, string>
        {
            ["GrainLimiter__Storage"] = "redis",
            ["GrainLimiter__Redis"] = redis.Endpoint,
            ["GrainLimiter__RedisKeyPrefix"] = id,
            ["GrainLimiter__FlushInterval"] = settings.FlushInterval.ToString("c", CultureInfo.InvariantCulture),
            ["GrainLimiter__AdminToken"] = AdminToken,
            ["GrainLimiter__Cluster__Membership"] = "redis",
            ["GrainLimiter__Cluster__ClusterId"] = id,
            ["GrainLimiter__Cluster__AdvertisedIp"] = "127.0.0.1",
        });
        try
        {
            var silos = await Task.WhenAll(Enumerable.Range(0, settings.Silos).Select(_ => cluster.StartSiloAsync(cancellationToken))).ConfigureAwait(false);
            for (var i = 0; i < silos.Length; i++)
            {
                cluster._all.Add(($"silo {i + 1}", silos[i]));
            }

            cluster._fronts = silos;
            await cluster.WaitConvergedAsync(cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Takes front <paramref name="index"/> out of the traffic, kills it (SIGKILL: <paramref name="killing"/> just
    /// before, <paramref name="killed"/> once it is gone) and starts a replacement; returns once the replacement takes traffic.</summary>
    public async Task ReplaceAsync(int index, Action killing, Action killed, CancellationToken cancellationToken)
    {
        var victim = _fronts[index];
        _fronts = [.. _fronts.Where(f => f != victim)];
        killing();
        await victim.Process.KillAsync().ConfigureAwait(false);
        killed();
        var replacement = await StartSiloAsync(cancellationToken).ConfigureAwait(false);
        lock (_all)
        {
            var name = _all.First(s => s.Silo == victim).Name;
            _all.Add(($"{name}, restarted", replacement));
        }

        _fronts = [.. _fronts, replacement];
    }

    private Task<SiloProcess> StartSiloAsync(CancellationToken cancellationToken) =>
        SiloProcess.StartAsync(SoakPolicy.PoliciesYaml(), null, _settings, cancellationToken);

    // Every silo lists every other as active: keys are placed over all of them from the first call.
    private async Task WaitConvergedAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            var views = await Task.WhenAll(_fronts.Select(async silo =>
            {
                try
                {
                    using var json = JsonDocument.Parse(await http.GetStringAsync(new Uri(silo.HttpAddress, "/admin/v1/cluster"), cancellationToken)
                        .ConfigureAwait(false));
                    return json.RootElement.GetProperty("silos").EnumerateArray().Count(static s => s.GetProperty("status").GetString() == "active");
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
                {
                    return 0;
                }
            })).ConfigureAwait(false);
            if (views.All(active => active == _fronts.Length))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The silos did not all see each other within 60 s (active as each sees it: {string.Join(", ", views)}).");
            }

            await Task.Delay(200, cancellationToken).ConfigureAwait(false); // polling interval
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (_, silo) in All)
        {
            await silo.DisposeAsync().ConfigureAwait(false);
        }
    }
}
