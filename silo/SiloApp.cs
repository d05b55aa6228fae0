using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Fronts;
using GrainLimiter.Silo.Fronts.Admin;
using GrainLimiter.Silo.Fronts.Grpc;
using GrainLimiter.Silo.Fronts.Http;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Runtime;
using GrainLimiter.Silo.Runtime.Cluster;
using GrainLimiter.Silo.Storage;
using GrainLimiter.Storage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo;

/// <summary>Builds a silo: the services of the runtime and the fronts mapped on Kestrel.</summary>
/// <remarks>Program.cs runs it; tests build it with their own configuration and run it on free loopback ports.</remarks>
public static class SiloApp
{
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        // Content root = where the silo is installed, so appsettings.json and the demo policies are found
        // whatever directory `dotnet GrainLimiter.Silo.dll` is started from.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        builder.WebHost.UseKestrelHttpsConfiguration();
        configure?.Invoke(builder);
        AddSilo(builder.Services, builder.Configuration);

        var app = builder.Build();
        var options = app.Services.GetRequiredService<IOptions<SiloOptions>>().Value;
        // Load the policy file now: a bad file stops start-up with its problems named, not the first request.
        app.Services.GetRequiredService<PolicyRegistry>();
        app.Services.GetRequiredService<IGrainStateStore>();
        app.MapCheckEndpoints();
        var admin = app.MapAdminEndpoints(options);
        app.MapGrpcFronts();
        app.MapCluster(admin);
        app.MapMetrics();
        app.MapHealthChecks("/healthz", new() { Predicate = _ => false });
        app.MapHealthChecks("/readyz");
        return app;
    }

    private static void AddSilo(IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SiloOptions>().Bind(configuration.GetSection(SiloOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SiloOptions>, SiloOptionsValidator>();
        services.TryAddSingleton(TimeProvider.System); // TryAdd: tests may run the silo on their own clock.
        services.AddSingleton(provider => new PolicyRegistry(PolicyFileLoader.LoadFile(PoliciesFile(provider))));
        services.AddGrainStateStore();
        services.AddSingleton(provider => new GrainCatalog(
            provider.GetRequiredService<IGrainStateStore>(),
            provider.GetRequiredService<IOptions<SiloOptions>>().Value.MaxActiveGrains,
            provider.GetRequiredService<ILogger<GrainCatalog>>()));
        services.AddSingleton<ILimitService, LimitService>();
        services.AddSingleton<CheckValidator>();
        services.AddHostedService<CatalogMaintenance>();
        services.AddSiloMetrics(configuration);
        services.AddHealthChecks().AddCheck<StoppingReadinessCheck>("running");
        services.AddGrpcFronts(configuration);
        services.AddCluster(configuration);
    }

    private static string PoliciesFile(IServiceProvider provider)
    {
        var configured = provider.GetRequiredService<IOptions<SiloOptions>>().Value.PoliciesFile;
        return string.IsNullOrEmpty(configured) ? Path.Combine(AppContext.BaseDirectory, "policies.yaml") : configured;
    }
}
