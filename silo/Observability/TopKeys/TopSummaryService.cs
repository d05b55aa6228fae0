using GrainLimiter.Grains;

namespace GrainLimiter.Silo.Observability.TopKeys;

/// <summary>Serves this silo's <see cref="HeavyHitters"/> summary to the silo answering <c>GET /admin/v1/top</c>.</summary>
/// <remarks>A grain service: one per silo, addressed by its silo, so each silo's summary is asked where it lives.</remarks>
internal sealed class TopSummaryService(GrainId grainId, Orleans.Runtime.Silo silo, ILoggerFactory loggerFactory, HeavyHitters heavyHitters)
    : GrainService(grainId, silo, loggerFactory), ITopSummaryService
{
    // Every key the silo holds: the merge across silos needs more than each silo's own top N to be right.
    public Task<TopSummary> GetSummaryAsync() => Task.FromResult(heavyHitters.Summary(HeavyHitters.KeysPerSlot));
}
