namespace GrainLimiter.Silo.Runtime;

public sealed partial class GrainCatalog
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Stored state of a '{Policy}' grain is unreadable; starting it fresh.")]
        public static partial void UnreadableState(ILogger logger, string policy, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "Store unavailable; a '{Policy}' grain starts fresh (policy fails open); {Total} such activations so far. Logged at most every 10 s.")]
        public static partial void ProvisionalActivation(ILogger logger, string policy, long total, Exception exception);

        [LoggerMessage(3, LogLevel.Warning, "Writing {Count} grain states failed; they stay dirty and are retried.")]
        public static partial void FlushFailed(ILogger logger, int count, Exception exception);

        [LoggerMessage(4, LogLevel.Error, "Handing off {Count} grain states failed; their new owner starts from the last flushed state.")]
        public static partial void HandOffWriteFailed(ILogger logger, int count, Exception exception);
    }
}
