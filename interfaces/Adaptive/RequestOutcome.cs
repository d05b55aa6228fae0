namespace GrainLimiter.Adaptive;

/// <summary>How one admitted request fared, as its caller reports it (HTTP <c>POST /v1/report</c>, gRPC <c>Report</c>).</summary>
/// <param name="Failed">The request failed (for the caller's own reasons, or because <paramref name="Status"/> says so).</param>
/// <param name="Latency">How long it took; null when not measured (its latency then does not count).</param>
/// <param name="Status">The upstream's status code, when known: 429 and 5xx count as failures.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.RequestOutcome")]
public readonly record struct RequestOutcome(
    [property: Id(0)] string Policy,
    [property: Id(1)] string Key,
    [property: Id(2)] bool Failed,
    [property: Id(3)] TimeSpan? Latency = null,
    [property: Id(4)] int Status = 0)
{
    /// <summary>Whether the request counts as failed: reported so, or an upstream status of 429 or 5xx.</summary>
    public bool CountsAsFailure => Failed || Status == 429 || Status >= 500;
}
