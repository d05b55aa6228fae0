using GrainLimiter.Config;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Fronts;
using GrainLimiter.Silo.Fronts.Admin;
using GrainLimiter.Silo.Fronts.Admin.Dashboard;
using GrainLimiter.Silo.Fronts.Envoy;
using GrainLimiter.Silo.Fronts.Grpc;
using GrainLimiter.Silo.Fronts.Http;
using GrainLimiter.Silo.Hosting;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Observability.TopKeys;
using GrainLimiter.Silo.Regions;
using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Checks.Overload;
using GrainLimiter.Silo.Cluster;
using GrainLimiter.Silo.Policies;
using GrainLimiter.Silo.Policies.Reload;
using GrainLimiter.Silo.Tls;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo;

/// <summary>Builds a silo: an Orleans silo co-hosted with ASP.NET Core, the fronts mapped on Kestrel.</summary>
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
        // Orleans is configured now, from validated settings: a bad one stops the build naming its variable.
        var silo = Validated(builder.Configuration, SiloOptions.Section, new SiloOptionsValidator());
        var cluster = Validated(builder.Configuration, SiloClusterOptions.Section, new SiloClusterOptionsValidator());
        var tls = Validated(builder.Configuration, FrontTlsOptions.Section, new FrontTlsOptionsValidator(builder.Configuration, TimeProvider.System));
        if (cluster.IsMultiSilo && string.IsNullOrWhiteSpace(silo.Redis))
        {
            throw new OptionsValidationException(SiloOptions.Section, typeof(SiloOptions),
                ["GrainLimiter__Redis: is required when GrainLimiter__Cluster__Membership is 'redis'."]);
        }

        if (cluster.IsMultiSilo && silo.ShutdownTimeout <= LeavingSiloPause.For(cluster.ResponseTimeout))
        {
            throw new OptionsValidationException(SiloOptions.Section, typeof(SiloOptions), [$"GrainLimiter__ShutdownTimeout: must exceed the " +
                $"{LeavingSiloPause.For(cluster.ResponseTimeout):c} a leaving silo spends refusing calls after writing its grains " +
                $"(GrainLimiter__Cluster__ResponseTimeout " +
                $"+ 1 s, at most 5 s); got {silo.ShutdownTimeout:c}."]);
        }

        builder.UseOrleans(orleans => orleans
            .UseGrainLimiterClustering(cluster, silo.Redis)
            .UseGrainLimiterStorage(silo, cluster.IsMultiSilo)
            .AddLimitGrains(silo)
            .AddLeases(builder.Configuration)
            .AddTopSummaries()
            .AddAdminDashboard(silo));
        AddSilo(builder.Services, builder.Configuration);
        builder.AddFrontTls(tls);
        // Graceful stop: Kestrel stops, the silo leaves and deactivates its grains (each writes its state) within this.
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = silo.ShutdownTimeout);

        var app = builder.Build();
        // Load the policy file now: a bad file stops start-up with its problems named, not the first request.
        _ = app.Services.GetRequiredService<PolicyRegistry>();
        // And the other sources (Envoy's descriptor files): their policies are known before any grain activates.
        _ = app.Services.GetServices<IPolicySource>().ToArray();

        // Routing runs first (implicitly); refused admin calls are audited too, so the audit step comes before authentication.
        // Without an admin token nothing under /admin exists: nothing to audit, and no log line per stray request.
        var tokens = app.Services.GetRequiredService<AdminTokens>();
        if (tokens.Enabled)
        {
            app.UseAdminAudit();
        }

        app.UseDashboardHeaders();
        // Only /admin is authenticated: a decision on the HTTP or gRPC front runs neither middleware. WebApplication would add
        // both in front of every request (before the audit, which then missed refused calls) unless told they are set; the
        // audit test fails if these keys ever stop meaning that.
        var pipeline = (IApplicationBuilder)app;
        pipeline.Properties["__AuthenticationMiddlewareSet"] = true;
        pipeline.Properties["__AuthorizationMiddlewareSet"] = true;
        app.UseWhen(static context => context.Request.Path.StartsWithSegments("/admin"), static admin => admin.UseAuthentication().UseAuthorization());
        app.MapCheckEndpoints();
        app.MapReportEndpoint();
        var admin = app.MapAdminEndpoints(tokens);
        app.MapGrpcFronts();
        app.MapEnvoyFront();
        app.MapRegionSync();
        admin?.MapCluster();
        admin?.MapTop();
        app.MapAdminPages(tokens);
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
        // The policy file as loaded at start: its policies and its quota buckets (a reload replaces both where they are used).
        services.AddSingleton(static provider =>
            PolicyFileLoader.ReadFile(PolicyReloader.PolicyFile(provider.GetRequiredService<IOptions<SiloOptions>>().Value)));
        services.AddSingleton(static provider =>
            new PolicyRegistry(provider.GetRequiredService<PolicyFile>().Policies, provider.GetService<IRunTimePolicies>()));
        services.AddSingleton<PolicyReloader>();
        services.AddHostedService<PolicyFileWatcher>();
        services.AddHostedService<PolicyReloadFollower>();
        services.AddSingleton<OverrideReplica>();
        services.AddSingleton<GrainLimiter.Grains.Overrides.IOverrideSource>(static p => p.GetRequiredService<OverrideReplica>());
        services.AddHostedService(static p => p.GetRequiredService<OverrideReplica>());
        services.AddOptions<SiloClusterOptions>().Bind(configuration.GetSection(SiloClusterOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<SiloClusterOptions>, SiloClusterOptionsValidator>();
        services.AddSingleton(static provider => new GrainReferenceCache(provider.GetRequiredService<IGrainFactory>(), GrainReferenceCacheCapacity));
        services.AddSingleton<SiloDepartures>();
        services.AddHostedService(static p => p.GetRequiredService<SiloDepartures>());
        services.AddSingleton<RefusedCalls>();
        services.AddSingleton(static p => p.GetRequiredService<IOptions<SiloClusterOptions>>().Value is { IsMultiSilo: true } cluster
            ? new StallFence(p.GetRequiredService<IClusterMembershipService>(), p.GetRequiredService<ILocalSiloDetails>(),
                cluster.ProbeTimeout * cluster.NumMissedProbesLimit, cluster.ResponseTimeout, p.GetRequiredService<TimeProvider>(),
                p.GetRequiredService<ILogger<StallFence>>())
            : new StallFence(p.GetRequiredService<TimeProvider>(), p.GetRequiredService<ILogger<StallFence>>()));
        services.AddHostedService(static p => p.GetRequiredService<StallFence>());
        services.AddSingleton<ICheckPipeline, CheckPipeline>();
        services.AddSingleton<CheckAdmission>();
        services.AddSingleton<CheckValidator>();
        services.AddSingleton<OutcomeValidator>();
        services.AddAdminAuthentication();
        services.AddSiloMetrics(configuration);
        services.AddHealthChecks().AddCheck<StoppingReadinessCheck>("running");
        services.AddGrpcFronts(configuration);
        services.AddEnvoyFront(configuration);
        services.AddRegionSync(configuration);
    }

    // References of the most recently used keys; beyond it the cache starts again empty.
    private const int GrainReferenceCacheCapacity = 100_000;

    private static T Validated<T>(IConfiguration configuration, string section, IValidateOptions<T> validator) where T : class, new()
    {
        var options = configuration.GetSection(section).Get<T>() ?? new T();
        var result = validator.Validate(null, options);
        return result.Failed ? throw new OptionsValidationException(section, typeof(T), result.Failures) : options;
    }
}
