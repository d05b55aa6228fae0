using System.Runtime.CompilerServices;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>The exceptions Grpc.AspNetCore met reading a request message (it logs each as "ErrorReadingMessage" before its call
/// handler reports it): a bad frame, bad compression or a reset stream, the caller's doing rather than a service method's.</summary>
/// <remarks>Weakly held: an entry lives as long as its exception.</remarks>
internal sealed class GrpcReadErrors
{
    private readonly ConditionalWeakTable<Exception, object?> _seen = [];

    public void Add(Exception exception) => _seen.AddOrUpdate(exception, null);

    public bool Contains(Exception? exception) => exception is not null && _seen.TryGetValue(exception, out _);
}
