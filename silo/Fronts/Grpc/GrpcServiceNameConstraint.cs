namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>Route constraint: the segment is a package-qualified gRPC service name (<c>pkg.Service</c>).</summary>
/// <remarks>Keeps <c>/{service}/{method}</c> from answering plain HTTP requests that are not gRPC; those get the usual 404.</remarks>
internal sealed class GrpcServiceNameConstraint : IRouteConstraint
{
    public const string Name = "grpcservice";

    public bool Match(HttpContext? httpContext, IRouter? route, string routeKey, RouteValueDictionary values, RouteDirection routeDirection) =>
        values.TryGetValue(routeKey, out var value) && value is string service && service.Contains('.', StringComparison.Ordinal)
        && !service.StartsWith('.') && !service.EndsWith('.');
}
