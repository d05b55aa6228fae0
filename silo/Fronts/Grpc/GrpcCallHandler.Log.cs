namespace GrainLimiter.Silo.Fronts.Grpc;

internal sealed partial class GrpcCallHandler
{
    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "gRPC call {Method} failed")]
        public static partial void CallFailed(ILogger logger, string method, Exception exception);
    }
}
