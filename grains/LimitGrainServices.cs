using GrainLimiter.Grains.Overrides;
using GrainLimiter.Grains.Persistence;
using GrainLimiter.Grains.Regions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using GrainLimiter.Grains.Leases;
using Orleans.Storage;

namespace GrainLimiter.Grains;

/// <summary>What every limit grain of a silo shares, injected as one object so an activation stays small.</summary>
public sealed class LimitGrainServices(
    IServiceProvider services,
    IPolicyResolver policies,
    TimeProvider time,
    IOptions<LimitGrainOptions> options,
    LimitGrainCounters counters,
    ILogger<LimitGrain> logger,
    IRegionLink regions,
    LimitStateWriter writer,
    IOptions<LeaseOptions> leases)
{
    private IGrainStorage? _storage;
    private IOverrideSource? _overrides;
    private readonly LogThrottle _storeFailureLog = new();

    public IGrainStorage Storage => _storage ??= services.GetRequiredKeyedService<IGrainStorage>(LimitGrainOptions.StorageName);

    public IPolicyResolver Policies { get; } = policies;

    /// <summary>The silo's copy of the override list; none when the host registers no <see cref="IOverrideSource"/>.</summary>
    public IOverrideSource? Overrides => _overrides ??= services.GetService<IOverrideSource>();

    /// <summary>The silo's write-behind, which writes the changed states of all its limit grains.</summary>
    public LimitStateWriter Writer { get; } = writer;

    public TimeProvider Time { get; } = time;

    public LimitGrainOptions Options { get; } = options.Value;

    public LimitGrainCounters Counters { get; } = counters;

    /// <summary>How keys lease units to holders.</summary>
    public LeaseOptions Leases { get; } = leases.Value;

    public ILogger<LimitGrain> Logger { get; } = logger;

    /// <summary>Where a global key's counts go to and its view of the peer regions come from.</summary>
    public IRegionLink Regions { get; } = regions;

    /// <summary>An outage makes every key fail at once: true for the first failure, then at most once per 10 s.</summary>
    public bool ShouldLogStoreFailure() => _storeFailureLog.ShouldLog();
}
