namespace GrainLimiter.Client.Transport;

/// <summary>The methods of <c>grainlimiter.v1.Limiter</c> (and the health check), as indexes into per-endpoint cached URIs.</summary>
internal enum LimiterMethod
{
    Check,
    Reserve,
    Acquire,
    Release,
    Get,
    Pause,
    HealthCheck,
}

/// <summary>The HTTP/2 paths of <see cref="LimiterMethod"/>.</summary>
internal static class LimiterMethodPaths
{
    private static readonly string[] Paths =
    [
        "/grainlimiter.v1.Limiter/Check",
        "/grainlimiter.v1.Limiter/Reserve",
        "/grainlimiter.v1.Limiter/Acquire",
        "/grainlimiter.v1.Limiter/Release",
        "/grainlimiter.v1.Limiter/Get",
        "/grainlimiter.v1.Limiter/Pause",
        "/grpc.health.v1.Health/Check",
    ];

    public static int Count => Paths.Length;

    public static string Of(LimiterMethod method) => Paths[(int)method];
}
