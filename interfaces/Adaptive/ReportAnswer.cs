namespace GrainLimiter.Adaptive;

/// <summary>What <see cref="Grains.ILimiterFrontGrain.ReportAsync"/> answers: how many outcomes were taken in, or the gRPC status
/// the gRPC front would have failed with (INVALID_ARGUMENT naming the field).</summary>
/// <param name="Accepted">Outcomes counted by an adaptive limit; outcomes of a key whose policy does not adapt are ignored.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.ReportAnswer")]
public sealed record ReportAnswer(
    [property: Id(0)] int Status,
    [property: Id(1)] int Accepted,
    [property: Id(2)] string? Detail = null);
