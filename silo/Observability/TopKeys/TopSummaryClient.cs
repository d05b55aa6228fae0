using GrainLimiter.Grains;
using Orleans.Runtime.Services;

namespace GrainLimiter.Silo.Observability.TopKeys;

/// <summary>Reaches the <see cref="ITopSummaryService"/> of a given silo.</summary>
internal sealed class TopSummaryClient(IServiceProvider services) : GrainServiceClient<ITopSummaryService>(services)
{
    public ITopSummaryService On(SiloAddress silo) => GetGrainService(silo);
}
