using System.Collections.Frozen;
using Google.Protobuf;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>The unary methods this silo serves, by HTTP/2 path.</summary>
internal sealed class GrpcMethodTable
{
    private readonly FrozenDictionary<string, GrpcMethod> _methods;

    public GrpcMethodTable(IEnumerable<IGrpcService> services)
    {
        var methods = new Dictionary<string, GrpcMethod>(StringComparer.Ordinal);
        foreach (var service in services)
        {
            foreach (var method in service.Methods())
            {
                methods.Add(method.Path, method);
            }
        }

        _methods = methods.ToFrozenDictionary(StringComparer.Ordinal);
        ServiceNames = _methods.Keys.Select(static path => path[1..path.IndexOf('/', 1)]).ToFrozenSet(StringComparer.Ordinal);
    }

    /// <summary>Fully qualified names of the services served (for health checks).</summary>
    public IReadOnlySet<string> ServiceNames { get; }

    public bool TryGet(string path, out GrpcMethod method) => _methods.TryGetValue(path, out method!);

    public static GrpcMethod Unary<TRequest, TResponse>(string service, string method, MessageParser<TRequest> parser,
        Func<TRequest, CancellationToken, ValueTask<TResponse>> handler)
        where TRequest : IMessage<TRequest>
        where TResponse : IMessage<TResponse> =>
        new GrpcMethod<TRequest, TResponse>($"/{service}/{method}", parser, handler);
}

/// <summary>A gRPC service: the unary methods it adds to the table.</summary>
internal interface IGrpcService
{
    IEnumerable<GrpcMethod> Methods();
}
