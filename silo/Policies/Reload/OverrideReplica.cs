using GrainLimiter.Grains;
using GrainLimiter.Grains.Overrides;
using GrainLimiter.Silo.Config;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Policies.Reload;

/// <summary>This silo's copy of the cluster's override list (<see cref="IOverrideDirectoryGrain"/>), polled every
/// <c>GrainLimiter:PolicyReloadDelay</c> and reloaded when its version moves.</summary>
/// <remarks>A key's override lives in its stored state; Redis drops the state of a key idle longer than the store's expiry,
/// so a key activating without one takes up the listed override (<see cref="LimitGrain"/>). Read at activation only: no
/// decision waits for it.</remarks>
public sealed class OverrideReplica(
    IGrainFactory grains,
    IHostApplicationLifetime lifetime,
    IOptions<SiloOptions> options,
    ILogger<OverrideReplica> logger)
    : ClusterPoller(lifetime, options.Value.PolicyReloadDelay, logger, "the cluster's override list"), IOverrideSource
{
    private volatile Dictionary<string, KeyOverride> _overrides = new(StringComparer.Ordinal);
    private long _version = long.MinValue;

    public KeyOverride? Find(string policy, string key, long nowTicks) =>
        _overrides.TryGetValue(LimitGrainKey.Encode(policy, key), out var value) && value.InForceAt(nowTicks) ? value : null;

    protected override async Task PollAsync(CancellationToken stoppingToken)
    {
        var directory = grains.GetGrain<IOverrideDirectoryGrain>(0);
        var version = await directory.VersionAsync().AsTask().WaitAsync(stoppingToken).ConfigureAwait(false);
        if (version != _version)
        {
            var entries = await directory.ListAsync(null).AsTask().WaitAsync(stoppingToken).ConfigureAwait(false);
            _overrides = entries.ToDictionary(static e => LimitGrainKey.Encode(e.Policy, e.Key), static e => e.Override, StringComparer.Ordinal);
            _version = version;
        }
    }
}
