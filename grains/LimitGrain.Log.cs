using Microsoft.Extensions.Logging;

namespace GrainLimiter.Grains;

public sealed partial class LimitGrain
{
    // The key may be personal data (a user, an IP): logs name the policy only.
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "The state of a '{Policy}' key could not be read; the policy fails open, so it starts fresh " +
            "({Total} such activations so far).")]
        public static partial void ProvisionalActivation(ILogger logger, string policy, long total, Exception exception);

        [LoggerMessage(2, LogLevel.Warning, "The state of a '{Policy}' key could not be read; the policy fails closed, so it is denied " +
            "with store_unavailable.")]
        public static partial void ClosedActivation(ILogger logger, string policy, Exception exception);

        [LoggerMessage(3, LogLevel.Warning, "The stored state of a '{Policy}' key is unreadable; the key starts fresh.")]
        public static partial void UnreadableState(ILogger logger, string policy, Exception exception);

        [LoggerMessage(5, LogLevel.Warning, "Another activation wrote the state of a '{Policy}' key since this one read it (ETag conflict); " +
            "this activation takes the stored state and deactivates.")]
        public static partial void Conflict(ILogger logger, string policy);

        [LoggerMessage(6, LogLevel.Warning, "After an ETag conflict the stored state of a '{Policy}' key could not be read; " +
            "the activation writes nothing more and deactivates.")]
        public static partial void RereadFailed(ILogger logger, string policy, Exception exception);

        [LoggerMessage(8, LogLevel.Information, "A write of a '{Policy}' key's state that seemed to fail had been stored " +
            "(ETag conflict with itself); this activation keeps its newer state.")]
        public static partial void OwnWriteLanded(ILogger logger, string policy);

        [LoggerMessage(7, LogLevel.Warning, "A holder of a '{Policy}' key's lease did not give it back in time; it keeps deciding from it until it expires.")]
        public static partial void RevokeFailed(ILogger logger, string policy, Exception exception);
    }
}
