using GrainLimiter.Client.AspNetCore;
using GrainLimiter.Silo.Tests.Fixtures;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace GrainLimiter.Client.Tests.Fixtures;

/// <summary>A real Kestrel app on a free loopback port, with the GrainLimiter client pointed at a silo.</summary>
public sealed class TestGateway : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestGateway(WebApplication app, Uri address)
    {
        _app = app;
        Http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(30) };
    }

    public HttpClient Http { get; }

    public IServiceProvider Services => _app.Services;

    /// <summary>Starts a gateway; <paramref name="services"/> adds to the container, <paramref name="pipeline"/> builds middleware and endpoints.
    /// A null <paramref name="silo"/> gives a gateway without the client (the no-limiter baseline, or one that adds its own);
    /// <paramref name="settings"/> go into its configuration.</summary>
    public static async Task<TestGateway> StartAsync(Uri? silo, Action<IServiceCollection> services, Action<WebApplication> pipeline,
        IDictionary<string, string?>? settings = null)
    {
        // Content root away from the test output, which holds the silo's appsettings.json (its Kestrel endpoints would win over UseUrls).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = Path.GetTempPath() });
        var address = new Uri($"http://127.0.0.1:{FreePort.Next()}");
        builder.WebHost.UseUrls(address.ToString());
        builder.Logging.ClearProviders();
        builder.Configuration.AddInMemoryCollection(settings ?? new Dictionary<string, string?>());
        if (silo is not null)
        {
            builder.Services.AddGrainLimiterClient(o =>
            {
                o.Endpoints = [silo];
                o.Deadline = TimeSpan.FromSeconds(5);
            });
        }

        services(builder.Services);
        var app = builder.Build();
        pipeline(app);
        await app.StartAsync();
        return new TestGateway(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
