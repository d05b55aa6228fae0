using GrainLimiter.Protocol.V1;
using GrainLimiter.Silo.Tests.Fixtures;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.Transport;

/// <summary>A batching client meets a silo of a version before CheckStream and CheckBatch (mid-upgrade): a real gRPC server that offers
/// only the unary Check. The client falls back to one Check call per check and every caller is answered by it.</summary>
public sealed class SiloWithoutBatchCallsTests : IAsyncLifetime
{
    private WebApplication _server = null!;
    private Uri _address = null!;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });
        _address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(_address.Port, o => o.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        builder.Services.AddGrpc();
        _server = builder.Build();
        _server.MapGrpcService<CheckOnlyLimiter>();
        await _server.StartAsync();
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task EveryCheckIsAnsweredThroughTheUnaryCheck()
    {
        using var client = new GrainLimiterClient(new GrainLimiterClientOptions { Endpoints = [_address], Deadline = TimeSpan.FromSeconds(5) });

        var decisions = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => client.CheckAsync("p", $"k{i}").AsTask()));

        Assert.All(decisions, static d => Assert.False(d.IsFallback));
        Assert.Equal(Enumerable.Range(0, 16).Select(static i => $"k{i}"), decisions.Select(static d => d.Key));
        Assert.All(decisions, static d => Assert.Equal("answered by Check", d.LimitName));
    }

    /// <summary>The Limiter of an earlier silo: Check only; every other method answers UNIMPLEMENTED (the generated base does).</summary>
    private sealed class CheckOnlyLimiter : Limiter.LimiterBase
    {
        public override Task<CheckResponse> Check(CheckRequest request, ServerCallContext context)
        {
            var response = new CheckResponse { Allowed = true };
            foreach (var hit in request.Checks)
            {
                response.Decisions.Add(
                    new Decision { Policy = hit.Policy, Key = hit.Key, Allowed = true, Limit = 10, Remaining = 9, LimitName = "answered by Check" });
            }

            return Task.FromResult(response);
        }
    }
}
