using System.Globalization;
using System.Net;
using System.Text.Json;
using GrainLimiter.Silo.Tests.Fixtures;

namespace GrainLimiter.Silo.Tests.Regions;

/// <summary>Regional clusters in separate processes on loopback, each with its own store, syncing global keys over RegionSync.</summary>
/// <remarks>A one-silo region keeps its state in memory; a region of several silos uses Redis membership and storage on its
/// own redis-server. Every process is killed on dispose.</remarks>
public sealed class RegionClusters : IAsyncDisposable
{
    public const string Secret = "test-region-secret-0123456789";
    private static readonly string[] Names = ["eu", "us", "ap"];
    private readonly string _policiesFile;

    private RegionClusters(string policiesFile, IReadOnlyList<Region> regions)
    {
        _policiesFile = policiesFile;
        Regions = regions;
    }

    public IReadOnlyList<Region> Regions { get; }

    public static async Task<RegionClusters> StartAsync(string policiesYaml, IReadOnlyList<int> silosPerRegion, TimeSpan syncInterval,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var policiesFile = Path.Combine(Path.GetTempPath(), $"grainlimiter-regions-{Guid.NewGuid():N}.yaml");
        await File.WriteAllTextAsync(policiesFile, policiesYaml);
        var regions = new List<Region>();
        for (var r = 0; r < silosPerRegion.Count; r++)
        {
            var redis = silosPerRegion[r] > 1 ? await RedisServerProcess.StartRedisAsync() : null;
            regions.Add(new Region(Names[r], Enumerable.Range(0, silosPerRegion[r]).Select(_ => SiloProcess.AllocatePorts()).ToArray(), redis));
        }

        foreach (var region in regions)
        {
            region.Settings["GrainLimiter__Region"] = region.Name;
            region.Settings["GrainLimiter__Regions__Secret"] = Secret;
            region.Settings["GrainLimiter__Regions__SyncInterval"] = syncInterval.ToString("c", CultureInfo.InvariantCulture);
            var peers = regions.Where(p => p != region).ToArray();
            for (var p = 0; p < peers.Length; p++)
            {
                region.Settings[$"GrainLimiter__Regions__Peers__{p}__Name"] = peers[p].Name;
                region.Settings[$"GrainLimiter__Regions__Peers__{p}__Url"] = peers[p].GrpcUrl;
            }

            foreach (var (name, value) in settings ?? new Dictionary<string, string>())
            {
                region.Settings[name] = value;
            }

            if (region.Redis is { } redis)
            {
                region.Settings["GrainLimiter__Storage"] = "redis";
                region.Settings["GrainLimiter__Redis"] = redis.ConnectionString;
                region.Settings["GrainLimiter__Cluster__Membership"] = "redis";
                region.Settings["GrainLimiter__Cluster__ClusterId"] = region.Name;
            }
        }

        var clusters = new RegionClusters(policiesFile, regions);
        try
        {
            foreach (var region in regions)
            {
                for (var s = 0; s < region.Ports.Count; s++)
                {
                    clusters.Start(region, s);
                }
            }

            await Task.WhenAll(regions.SelectMany(static r => r.Silos).Select(static s => s!.WaitReadyAsync(SiloProcessCluster.StartTimeout)));
            return clusters;
        }
        catch
        {
            await clusters.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts silo <paramref name="index"/> of <paramref name="region"/> on its ports (again, after a kill).</summary>
    public SiloProcess Start(Region region, int index)
    {
        var silo = SiloProcess.Start(region.Ports[index], _policiesFile, region.Settings);
        region.Silos[index] = silo;
        return silo;
    }

    /// <summary>What a region's first silo answers for the key's remaining count (GET /v1/limits).</summary>
    public static async Task<long> RemainingAsync(SiloProcess silo, string policy, string key)
    {
        var usage = await silo.Http.GetStringAsync(new Uri($"/v1/limits/{policy}/{key}", UriKind.Relative));
        return JsonDocument.Parse(usage).RootElement.GetProperty("remaining").GetInt64();
    }

    /// <summary>Waits until every region answers the same remaining count for the key, and returns it.</summary>
    public async Task<long> ConvergedRemainingAsync(string policy, string key, TimeSpan timeout, long? expected = null)
    {
        long[] seen = [];
        await Eventually.TrueAsync(async () =>
        {
            seen = await Task.WhenAll(Regions.Select(r => RemainingAsync(r.Silos[0]!, policy, key)));
            return seen.Distinct().Count() == 1 && (expected is null || seen[0] == expected);
        }, timeout, $"every region reports the same remaining for {policy}/{key}{(expected is null ? "" : $" ({expected})")}");
        return seen[0];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var region in Regions)
        {
            foreach (var silo in region.Silos)
            {
                if (silo is not null)
                {
                    await silo.DisposeAsync();
                }
            }

            if (region.Redis is not null)
            {
                await region.Redis.DisposeAsync();
            }
        }

        File.Delete(_policiesFile);
    }

    /// <summary>One regional cluster: its name, its silos' ports and processes, its own store.</summary>
    public sealed class Region(string name, (int Http, int Grpc, int Silo, int Gateway)[] ports, RedisServerProcess? redis)
    {
        public string Name { get; } = name;

        public IReadOnlyList<(int Http, int Grpc, int Silo, int Gateway)> Ports { get; } = ports;

        public SiloProcess?[] Silos { get; } = new SiloProcess?[ports.Length];

        public RedisServerProcess? Redis { get; } = redis;

        /// <summary>Where peers push: the first silo's gRPC port (any silo of the region would do).</summary>
        public string GrpcUrl => $"http://127.0.0.1:{Ports[0].Grpc.ToString(CultureInfo.InvariantCulture)}";

        public Dictionary<string, string> Settings { get; } = new();

        public override string ToString() => Name;
    }

    /// <summary>True for the answers a healthy front gives a check: admitted or denied.</summary>
    public static bool IsDecision(HttpStatusCode status) => status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests;
}
