using GrainLimiter.Grains;
using GrainLimiter.Grains.Leases;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Hosting;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Cluster;
using GrainLimiter.Silo.Fronts.Envoy;
using GrainLimiter.Silo.Observability.TopKeys;
using GrainLimiter.Silo.Policies;
using GrainLimiter.Leases;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Orleans.Storage;
using Orleans.TestingHost;
using SiloOptions = GrainLimiter.Silo.Config.SiloOptions;

namespace GrainLimiter.Silo.Tests.Grains;

/// <summary>Three Orleans silos in this process (InProcessTestCluster) hosting the limit grains, shared by one test collection.</summary>
public sealed class LimitGrainCluster : IAsyncLifetime
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(50);
    public static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(2);

    public static readonly PolicyDefinition[] Policies =
    [
        Fixed("exact", 1000, FailureMode.Closed),
        Fixed("ten", 10, FailureMode.Open),
        Fixed("one", 1, FailureMode.Open),
        Fixed("closed", 10, FailureMode.Closed),
        Fixed("hot", 1_000_000, FailureMode.Open),
        new() { Name = "bucket", Limits = [new LimitSpec { Algorithm = LimitAlgorithmKind.TokenBucket, Limit = 3, Window = TimeSpan.FromHours(1),
            Burst = 3 }] },
    ];

    /// <summary>Long enough that leases taken one silo after another are all still held when a test revokes them.</summary>
    public static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(2);

    private InProcessTestCluster? _cluster;

    public InProcessTestCluster Cluster => _cluster ?? throw new InvalidOperationException("not started");

    public SharedTestStorage Storage { get; } = new();

    // With the rebuilder of Envoy's override policies, as a silo registers it: the cluster tests resolve those names too.
    public PolicyRegistry Registry { get; } = new(Policies, new EnvoyOverridePolicies());

    public async Task InitializeAsync()
    {
        var builder = new InProcessTestClusterBuilder(3);
        builder.ConfigureSilo((_, silo) =>
        {
            var options = new SiloOptions { FlushInterval = FlushInterval, IdleTimeout = IdleTimeout };
            silo.Services.AddSingleton(Registry);
            silo.Services.AddSingleton(TimeProvider.System);
            silo.Services.Configure<SiloOptions>(o =>
            {
                o.FlushInterval = options.FlushInterval;
                o.IdleTimeout = options.IdleTimeout;
            });
            silo.Services.AddKeyedSingleton<IGrainStorage>(LimitGrainOptions.StorageName, Storage);
            silo.AddLimitGrains(options);
            silo.Services.AddMetrics();
            silo.Services.AddSingleton<SiloMetrics>();
            silo.AddLeases();
            silo.Services.Configure<LeaseOptions>(o => o.Ttl = LeaseTtl);
        });
        _cluster = builder.Build();
        await _cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }

    /// <summary>The grain factory of silo <paramref name="index"/>: calls from there, as that silo's fronts make them.</summary>
    public IGrainFactory Factory(int index) => Cluster.Silos[index].ServiceProvider.GetRequiredService<IGrainFactory>();

    public ILimitGrain Grain(string policy, string key, int silo = 0) => Factory(silo).GetGrain<ILimitGrain>(LimitGrainKey.Encode(policy, key));

    public LimitGrainCounters Counters(int silo) => Cluster.Silos[silo].ServiceProvider.GetRequiredService<LimitGrainCounters>();

    /// <summary>The silos' own CheckPipeline, as the fronts of silo <paramref name="silo"/> use it.</summary>
    public CheckPipeline CheckPipeline(int silo = 0)
    {
        var meters = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>();
        var refused = new RefusedCalls(new SiloDepartures(Cluster.Silos[silo].ServiceProvider.GetRequiredService<IClusterMembershipService>(),
            TimeProvider.System, NullLogger<SiloDepartures>.Instance));
        return new CheckPipeline(new GrainReferenceCache(Factory(silo), 1000), Registry, new SiloMetrics(meters, Counters(silo)),
            new HeavyHitters(TimeProvider.System),
            Leases(silo), refused, new StallFence(TimeProvider.System, NullLogger<StallFence>.Instance), NullLogger<CheckPipeline>.Instance);
    }

    /// <summary>Silo <paramref name="silo"/>'s front as a lease holder.</summary>
    public LeaseHolder Leases(int silo) => Cluster.Silos[silo].ServiceProvider.GetRequiredService<LeaseHolder>();

    public static string UniqueKey(string prefix) => $"{prefix}:{Guid.NewGuid():N}";

    private static PolicyDefinition Fixed(string name, long limit, FailureMode failureMode) => new()
    {
        Name = name,
        FailureMode = failureMode,
        Limits = [new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = limit, Window = TimeSpan.FromHours(1) }],
    };
}

[CollectionDefinition(Name)]
public sealed class LimitGrainClusterCollection : ICollectionFixture<LimitGrainCluster>
{
    public const string Name = "limit-grain-cluster";
}
