using GrainLimiter.Grains;
using GrainLimiter.Silo.Config;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Policies.Reload;

/// <summary>Polls the cluster's reload number (<see cref="IPolicyVersionGrain"/>) every <c>GrainLimiter:PolicyReloadDelay</c>;
/// when another silo announced a reload, this silo reloads its own files.</summary>
public sealed class PolicyReloadFollower(
    PolicyReloader reloader,
    IGrainFactory grains,
    IHostApplicationLifetime lifetime,
    IOptions<SiloOptions> options,
    ILogger<PolicyReloadFollower> logger)
    : ClusterPoller(lifetime, options.Value.PolicyReloadDelay, logger, "the cluster's policy reload number")
{
    protected override async Task PollAsync(CancellationToken stoppingToken) =>
        reloader.Observe(await grains.GetGrain<IPolicyVersionGrain>(0).CurrentAsync().AsTask().WaitAsync(stoppingToken).ConfigureAwait(false));
}
