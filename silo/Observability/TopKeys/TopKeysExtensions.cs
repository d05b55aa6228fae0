namespace GrainLimiter.Silo.Observability.TopKeys;

/// <summary>Registers the per-silo decision summary, its grain service and the cluster-wide merge.</summary>
internal static class TopKeysExtensions
{
    public static ISiloBuilder AddTopSummaries(this ISiloBuilder silo)
    {
        silo.AddGrainService<TopSummaryService>();
        silo.Services.AddSingleton<HeavyHitters>();
        silo.Services.AddSingleton<TopSummaryClient>();
        silo.Services.AddSingleton<ClusterTop>();
        return silo;
    }
}
