namespace GrainLimiter.Grains;

/// <summary>What one region knows of a global key: every region's hits per window of each limit, at a reset epoch.</summary>
/// <remarks>
/// State-based: a message carries the sender's whole view, and the receiver merges each count by max, so a repeated,
/// reordered or stale message changes nothing. A higher <see cref="Epoch"/> (a reset) replaces every lower one.
/// </remarks>
[GenerateSerializer, Immutable, Alias("GrainLimiter.GlobalCounts")]
public sealed record GlobalCounts([property: Id(0)] long Epoch, [property: Id(1)] WindowCount[] Counts);

/// <summary>The hits <see cref="Region"/> counted for limit <see cref="Limit"/> (index in the policy) in the window starting at
/// <see cref="Window"/> (UTC ticks).</summary>
[GenerateSerializer, Immutable, Alias("GrainLimiter.WindowCount")]
public readonly record struct WindowCount(
    [property: Id(0)] int Limit,
    [property: Id(1)] long Window,
    [property: Id(2)] string Region,
    [property: Id(3)] long Count);
