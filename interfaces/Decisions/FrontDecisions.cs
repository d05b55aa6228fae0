namespace GrainLimiter.Decisions;

/// <summary>What <see cref="Grains.ILimiterFrontGrain"/> answers for one check (or one Reserve, Acquire, Release, Get or Pause): each
/// item's decision with the window of its deciding limit, or the gRPC status the gRPC front would have failed with instead.</summary>
/// <param name="Status">A <c>Grpc.Core.StatusCode</c> value: 0 (OK) when <paramref name="Results"/> hold the answer; otherwise
/// INVALID_ARGUMENT naming the field, FAILED_PRECONDITION.</param>
/// <param name="Allowed">Whether every item was admitted (all or nothing).</param>
/// <param name="Results">One per item, in order; empty on an error.</param>
/// <param name="Windows">The window of each result's deciding limit (zero when it has none), for the RateLimit-Policy header.</param>
/// <param name="Detail">The status message on an error.</param>
[GenerateSerializer, Immutable, Alias("GrainLimiter.FrontDecisions")]
public sealed record FrontDecisions(
    [property: Id(0)] int Status,
    [property: Id(1)] bool Allowed,
    [property: Id(2)] CheckResult[] Results,
    [property: Id(3)] TimeSpan[] Windows,
    [property: Id(4)] string? Detail = null);
