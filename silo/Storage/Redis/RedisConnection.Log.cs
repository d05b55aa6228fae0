namespace GrainLimiter.Silo.Storage.Redis;

public sealed partial class RedisConnection
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Connected to Redis at {Endpoint} (TLS: {Tls}).")]
        public static partial void Connected(ILogger logger, string endpoint, bool tls);

        [LoggerMessage(2, LogLevel.Warning, "Connection to Redis at {Endpoint} lost: {Reason}. Reconnecting with backoff.")]
        public static partial void ConnectionLost(ILogger logger, string endpoint, string reason);

        [LoggerMessage(3, LogLevel.Warning, "Reconnect attempt {Attempt} to Redis at {Endpoint} failed: {Reason}.")]
        public static partial void ReconnectFailed(ILogger logger, string endpoint, int attempt, string reason);

        [LoggerMessage(4, LogLevel.Information, "Reconnected to Redis at {Endpoint} after {Attempt} attempts.")]
        public static partial void Reconnected(ILogger logger, string endpoint, int attempt);
    }
}
