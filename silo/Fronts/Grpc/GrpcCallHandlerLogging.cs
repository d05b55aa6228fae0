using Microsoft.Extensions.DependencyInjection.Extensions;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>Keeps client garbage out of the error log: Grpc.AspNetCore logs a request it could not read at Information with its stack
/// trace ("Error reading message") and, when the exception is not an RpcException (a compressed flag other than 0 or 1, gzip that
/// does not inflate, a reset stream), once more as "Error when executing service method" at Error. This factory gives Grpc's call
/// handler a logger that writes those at Debug, without the stack trace; everything else, a real failure of a service method
/// included, passes unchanged.</summary>
/// <remarks>Only the call handler's category is wrapped, and only its error path looks at the events: no cost per call.</remarks>
internal sealed partial class GrpcCallHandlerLogging(ILoggerFactory inner, GrpcReadErrors readErrors) : ILoggerFactory
{
    /// <summary>The category of Grpc.AspNetCore's <c>ServerCallHandler</c> loggers.</summary>
    public const string CallHandlerCategory = "Grpc.AspNetCore.Server.ServerCallHandler";

    public ILogger CreateLogger(string categoryName)
    {
        var logger = inner.CreateLogger(categoryName);
        return categoryName == CallHandlerCategory ? new CallHandlerLogger(logger, readErrors) : logger;
    }

    public void AddProvider(ILoggerProvider provider) => inner.AddProvider(provider);

    public void Dispose() => inner.Dispose();

    /// <summary>Replaces the host's <see cref="ILoggerFactory"/> with this one around it.</summary>
    public static void Install(IServiceCollection services)
    {
        var host = services.LastOrDefault(static d => d.ServiceType == typeof(ILoggerFactory))
            ?? throw new InvalidOperationException("Logging is not registered: call AddLogging before AddGrpcFronts.");
        services.AddSingleton<GrpcReadErrors>();
        services.Replace(ServiceDescriptor.Singleton<ILoggerFactory>(provider =>
            new GrpcCallHandlerLogging(Create(host, provider), provider.GetRequiredService<GrpcReadErrors>())));
    }

    private static ILoggerFactory Create(ServiceDescriptor host, IServiceProvider provider) => (ILoggerFactory)(host.ImplementationInstance
        ?? host.ImplementationFactory?.Invoke(provider)
        ?? ActivatorUtilities.CreateInstance(provider, host.ImplementationType!));

    private sealed class CallHandlerLogger(ILogger inner, GrpcReadErrors readErrors) : ILogger
    {
        // Grpc.AspNetCore's event names (GrpcServerLog).
        private const string ErrorReadingMessage = "ErrorReadingMessage";
        private const string ErrorExecutingServiceMethod = "ErrorExecutingServiceMethod";
        private const string ServiceMethodCanceled = "ServiceMethodCanceled";

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => inner.BeginScope(state);

        // Grpc's read errors are Information: they must reach Log to be recorded even where Information is not written.
        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information || inner.IsEnabled(logLevel);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is not null && IsClientsDoing(eventId.Name, exception))
            {
                if (inner.IsEnabled(LogLevel.Debug))
                {
                    Quiet.ClientRequestUnusable(inner, formatter(state, null), exception.GetType().Name, exception.Message);
                }

                return;
            }

            inner.Log(logLevel, eventId, state, exception, formatter);
        }

        private bool IsClientsDoing(string? eventName, Exception exception)
        {
            switch (eventName)
            {
                case ErrorReadingMessage:
                    readErrors.Add(exception);
                    return true;
                case ErrorExecutingServiceMethod:
                    return readErrors.Contains(exception);
                case ServiceMethodCanceled:
                    // Logged only when the request was aborted: the caller reset the stream or went away.
                    return true;
                default:
                    return false;
            }
        }
    }

    private static partial class Quiet
    {
        [LoggerMessage(1, LogLevel.Debug, "{Event} The caller's request could not be used: {ExceptionType}: {Reason}")]
        public static partial void ClientRequestUnusable(ILogger logger, string @event, string exceptionType, string reason);
    }
}
