namespace GrainLimiter.Silo.Runtime.Cluster;

public sealed partial class GrainRouter
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Peer {Peer} no longer owns a key; re-route {Attempt}.")]
        public static partial void Rerouting(ILogger logger, string peer, int attempt);

        [LoggerMessage(2, LogLevel.Debug, "The owner of a '{Policy}' key could not answer ({Why}); the policy's failure mode decides.")]
        public static partial void OwnerUnreachable(ILogger logger, string policy, string why);
    }
}
