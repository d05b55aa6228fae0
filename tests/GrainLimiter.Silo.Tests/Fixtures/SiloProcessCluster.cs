using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;

namespace GrainLimiter.Silo.Tests.Fixtures;

/// <summary>
/// Silos in separate processes sharing one redis-server (state and membership table), each cluster under its own key
/// prefix so tests in one collection never see each other's keys. Every process is killed on dispose.
/// </summary>
public sealed class SiloProcessCluster : IAsyncDisposable
{
    // A hang guard, not a measure: a silo process starts in seconds when quiet, and took over a minute at load 50.
    public static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);
    private readonly List<SiloProcess> _silos = [];
    private readonly string _policiesFile;
    private readonly Dictionary<string, string> _settings;

    private SiloProcessCluster(string policiesFile, Dictionary<string, string> settings)
    {
        _policiesFile = policiesFile;
        _settings = settings;
    }

    public IReadOnlyList<SiloProcess> Silos => _silos;

    /// <summary>The environment every silo of the cluster gets, for a test that starts a silo of its own beside them.</summary>
    public IReadOnlyDictionary<string, string> Settings => _settings;

    /// <summary>The policy file every silo of the cluster loads, for tests that change it.</summary>
    public string PoliciesFile => _policiesFile;

    public static async Task<SiloProcessCluster> StartAsync(int silos, string policiesYaml, RedisServerProcess redis,
        IDictionary<string, string>? settings = null)
    {
        var policiesFile = Path.Combine(Path.GetTempPath(), $"grainlimiter-cluster-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(policiesFile, policiesYaml);
        var prefix = "c" + Guid.NewGuid().ToString("N")[..8];
        var all = new Dictionary<string, string>
        {
            ["GrainLimiter__Storage"] = "redis",
            ["GrainLimiter__Redis"] = redis.ConnectionString,
            ["GrainLimiter__RedisKeyPrefix"] = prefix,
            ["GrainLimiter__Cluster__Membership"] = "redis",
            // Each cluster its own: tests in one collection share the redis-server.
            ["GrainLimiter__Cluster__ClusterId"] = prefix,
        };
        foreach (var (name, value) in settings ?? new Dictionary<string, string>())
        {
            all[name] = value;
        }

        var cluster = new SiloProcessCluster(policiesFile, all);
        try
        {
            for (var i = 0; i < silos; i++)
            {
                cluster.StartOne();
            }

            await Task.WhenAll(cluster._silos.Select(s => s.WaitReadyAsync(StartTimeout)));
            await cluster.WaitConvergedAsync(TimeSpan.FromSeconds(30));
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts one more silo (not waited for).</summary>
    public SiloProcess StartOne()
    {
        var silo = SiloProcess.Start(SiloProcess.AllocatePorts(), _policiesFile, _settings);
        _silos.Add(silo);
        return silo;
    }

    /// <summary>Waits until every running silo sees exactly the running, ready silos as active.</summary>
    public async Task WaitConvergedAsync(TimeSpan timeout)
    {
        var running = _silos.Where(static s => !s.HasExited).ToList();
        var expected = running.Select(static s => s.SiloEndpoint).Order(StringComparer.Ordinal).ToArray();
        await Eventually.TrueAsync(async () =>
        {
            foreach (var silo in running)
            {
                var members = await MembersAsync(silo);
                if (!members.SequenceEqual(expected, StringComparer.Ordinal))
                {
                    return false;
                }
            }

            return true;
        }, timeout, $"every silo sees {string.Join(",", expected)}");
    }

    public static async Task<string[]> MembersAsync(SiloProcess silo)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/v1/cluster");
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", SiloProcess.AdminToken);
            using var response = await silo.Http.SendAsync(request);
            using var document = JsonDocument.Parse(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync());
            return document.RootElement.GetProperty("silos").EnumerateArray()
                .Where(static s => s.GetProperty("status").GetString() == "active")
                .Select(static s => s.GetProperty("endpoint").GetString()!).Order(StringComparer.Ordinal).ToArray();
        }
        catch (HttpRequestException)
        {
            return [];
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var silo in _silos)
        {
            await silo.DisposeAsync();
        }

        File.Delete(_policiesFile);
    }

    public static string Format(double value) => value.ToString("F1", CultureInfo.InvariantCulture);

    public static JsonContent CheckBody(params (string Policy, string Key)[] checks) =>
        JsonContent.Create(new { checks = checks.Select(static c => new { policy = c.Policy, key = c.Key, cost = 1 }).ToArray() });
}
