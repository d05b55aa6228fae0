namespace GrainLimiter.Silo.Runtime.Cluster;

/// <summary>The <c>GrainLimiter:Cluster:FailureDetection</c> section: when a silent peer is suspect, then dead.</summary>
/// <remarks>
/// A peer is suspect from its first failed call or probe, and dead (out of the view, its keys re-homed) once it has
/// stayed unreachable for <see cref="DeadAfter"/>. With the defaults a killed silo is out of every view within
/// about 3.5 s (DeadAfter + one ProbeInterval); the Redis table also declares it dead after DeadAfter without heartbeat.
/// </remarks>
public sealed class FailureDetectionOptions
{
    /// <summary>How often every peer is probed (and, with Redis membership, how often this silo heartbeats).</summary>
    public TimeSpan ProbeInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long a probe may take before it counts as failed.</summary>
    public TimeSpan ProbeTimeout { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>An unreachable peer is declared dead after this long.</summary>
    public TimeSpan DeadAfter { get; set; } = TimeSpan.FromSeconds(3);
}
