using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrainLimiter.Benchmarks.Load.Bare;

/// <summary>The process behind the "gRPC alone" row: Kestrel (h2c on loopback) and Grpc.AspNetCore serving
/// <see cref="CountingLimiterService"/>, with ASP.NET Core's defaults and no logging.</summary>
internal static class CountingLimiterServer
{
    public const string Command = "counting-grpc-server";

    /// <summary>Serves on 127.0.0.1:<paramref name="port"/> until the process is stopped.</summary>
    public static async Task<int> RunAsync(int port, long accuracyLimit)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(System.Net.IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(new CountingLimiterService(accuracyLimit));
        var app = builder.Build();
        app.MapGrpcService<CountingLimiterService>();
        await app.RunAsync().ConfigureAwait(false);
        return 0;
    }
}
