namespace GrainLimiter.Client.Throttling;

/// <summary>Waiting for a throttled key would take longer than <see cref="OutboundThrottleOptions.MaxWait"/>: the caller gives up.</summary>
public sealed class ThrottleWaitTimeoutException(string key, TimeSpan waited, TimeSpan stillToWait, TimeSpan maxWait)
    : TimeoutException($"Gave up waiting for throttled key '{key}': waited {waited.TotalSeconds:0.###} s "
        + $"and would have to wait {stillToWait.TotalSeconds:0.###} s more, "
        + $"beyond the maximum wait of {maxWait.TotalSeconds:0.###} s (OutboundThrottleOptions.MaxWait).")
{
    /// <summary>The throttled key.</summary>
    public string Key { get; } = key;

    /// <summary>How long the caller had waited when it gave up.</summary>
    public TimeSpan Waited { get; } = waited;

    /// <summary>How much longer the cluster (or the pause) asked it to wait.</summary>
    public TimeSpan StillToWait { get; } = stillToWait;
}
