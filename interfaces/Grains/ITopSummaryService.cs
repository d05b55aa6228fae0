using Orleans.Services;

namespace GrainLimiter.Grains;

/// <summary>One silo's summary of its recent decisions, asked by the silo that answers <c>GET /admin/v1/top</c>.</summary>
[Alias("GrainLimiter.ITopSummaryService")]
public interface ITopSummaryService : IGrainService
{
    /// <summary>This silo's per-policy counts and most denied keys over the summary's window.</summary>
    [Alias("GetSummary")]
    Task<TopSummary> GetSummaryAsync();
}

/// <summary>Decisions over the last <see cref="WindowSeconds"/>: per policy, and the most denied keys (counts are lower bounds).</summary>
[GenerateSerializer, Immutable, Alias("GrainLimiter.TopSummary")]
public sealed record TopSummary(
    [property: Id(0)] int WindowSeconds,
    [property: Id(1)] PolicyTally[] Policies,
    [property: Id(2)] DeniedKey[] Keys);

/// <summary>How many checks of <see cref="Policy"/> were allowed and denied.</summary>
[GenerateSerializer, Immutable, Alias("GrainLimiter.PolicyTally")]
public readonly record struct PolicyTally([property: Id(0)] string Policy, [property: Id(1)] long Allowed, [property: Id(2)] long Denied);

/// <summary>A key and how many of its checks were denied.</summary>
[GenerateSerializer, Immutable, Alias("GrainLimiter.DeniedKey")]
public readonly record struct DeniedKey([property: Id(0)] string Policy, [property: Id(1)] string Key, [property: Id(2)] long Denied);
