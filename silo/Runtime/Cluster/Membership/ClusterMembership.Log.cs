namespace GrainLimiter.Silo.Runtime.Cluster.Membership;

public sealed partial class ClusterMembership
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Cluster view {Version}: {Members}.")]
        public static partial void ViewChanged(ILogger logger, long version, string members);

        [LoggerMessage(2, LogLevel.Information, "Handed off {Count} grain states on view {Version}.")]
        public static partial void HandedOff(ILogger logger, int count, long version);

        [LoggerMessage(3, LogLevel.Information, "Silo {Self} joined a cluster of {Members}; {Announced} peers acknowledged.")]
        public static partial void Joined(ILogger logger, string self, int members, int announced);

        [LoggerMessage(4, LogLevel.Information, "Silo {Self} left the cluster; {Announced} peers acknowledged.")]
        public static partial void Left(ILogger logger, string self, int announced);

        [LoggerMessage(5, LogLevel.Warning, "Peer {Peer} is dead: unreachable for longer than the failure detection time.")]
        public static partial void PeerDead(ILogger logger, string peer);

        [LoggerMessage(6, LogLevel.Warning, "Announcing to peer {Peer} failed: {Reason}")]
        public static partial void AnnounceFailed(ILogger logger, string peer, string reason);

        [LoggerMessage(7, LogLevel.Critical, "The membership table declared silo {Self} dead; it stops.")]
        public static partial void DeclaredDead(ILogger logger, string self);

        [LoggerMessage(8, LogLevel.Warning, "Publishing this silo's status to the membership table failed.")]
        public static partial void PublishFailed(ILogger logger, Exception exception);

        [LoggerMessage(9, LogLevel.Error, "Recomputing the cluster view failed.")]
        public static partial void RecomputeFailed(ILogger logger, Exception exception);
    }
}
