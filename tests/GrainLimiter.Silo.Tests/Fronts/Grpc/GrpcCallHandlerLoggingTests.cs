using GrainLimiter.Silo.Fronts.Grpc;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;

namespace GrainLimiter.Silo.Tests.Fronts.Grpc;

/// <summary>Only the caller's garbage is quieted: a service method that fails on its own still logs at Error with its exception.</summary>
public sealed class GrpcCallHandlerLoggingTests : IDisposable
{
    private static readonly EventId ErrorReadingMessage = new(2, "ErrorReadingMessage");
    private static readonly EventId ErrorExecutingServiceMethod = new(6, "ErrorExecutingServiceMethod");
    private readonly FakeLoggerProvider _provider = new();
    private readonly ILoggerFactory _factory;
    private readonly ILogger _callHandler;

    public GrpcCallHandlerLoggingTests()
    {
        _factory = new GrpcCallHandlerLogging(LoggerFactory.Create(b => b.AddProvider(_provider).SetMinimumLevel(LogLevel.Debug)), new GrpcReadErrors());
        _callHandler = _factory.CreateLogger(GrpcCallHandlerLogging.CallHandlerCategory);
    }

    public void Dispose() => _factory.Dispose();

    [Fact]
    public void AServiceMethodsOwnFailureIsLoggedAtErrorWithItsException()
    {
        var failure = new InvalidOperationException("the method broke");

        _callHandler.Log(LogLevel.Error, ErrorExecutingServiceMethod, "Error when executing service method 'Check'.", failure, static (s, _) => s);

        var logged = Assert.Single(_provider.Collector.GetSnapshot());
        Assert.Equal((LogLevel.Error, failure), (logged.Level, logged.Exception));
    }

    [Fact]
    public void AMessageTheCallerSentUnreadableIsLoggedAtDebugWithoutItsStackTrace()
    {
        var unreadable = new InvalidDataException("Unexpected compressed flag value 2.");

        _callHandler.Log(LogLevel.Information, ErrorReadingMessage, "Error reading message.", unreadable, static (s, _) => s);
        _callHandler.Log(LogLevel.Error, ErrorExecutingServiceMethod, "Error when executing service method 'Check'.", unreadable, static (s, _) => s);

        Assert.All(_provider.Collector.GetSnapshot(), r => Assert.Equal((LogLevel.Debug, null), (r.Level, r.Exception)));
        Assert.Equal(2, _provider.Collector.Count);
    }

    [Fact]
    public void OtherCategoriesAreNotWrapped()
    {
        var unreadable = new InvalidDataException("Unexpected compressed flag value 2.");
        _callHandler.Log(LogLevel.Information, ErrorReadingMessage, "Error reading message.", unreadable, static (s, _) => s);

        _factory.CreateLogger("GrainLimiter.Other").Log(LogLevel.Error, ErrorExecutingServiceMethod, "x", unreadable, static (s, _) => s);

        Assert.Equal(LogLevel.Error, _provider.Collector.LatestRecord.Level);
    }
}
