using GrainLimiter.Client.AspNetCore.RateLimiting;
using GrainLimiter.Client.Orleans;
using GrainLimiter.Client.Throttling;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Client.AspNetCore;

/// <summary>Registers the GrainLimiter client, the global distributed limiter and the outbound throttle.</summary>
public static class GrainLimiterServiceCollectionExtensions
{
    /// <summary>Adds one shared <see cref="GrainLimiterClient"/>, configured from <c>GrainLimiter:Client</c> then <paramref name="configure"/>,
    /// validated at start (every problem named), and warmed up (connections opened) when the host starts. Its transport is
    /// <c>GrainLimiter:Client:Transport</c>: <c>grpc</c> (default, the silos' gRPC fronts) or <c>orleans</c> (an Orleans client
    /// configured under <c>GrainLimiter:Client:Orleans</c>, then <paramref name="configureOrleans"/>).</summary>
    public static IServiceCollection AddGrainLimiterClient(this IServiceCollection services, Action<GrainLimiterClientOptions>? configure = null,
        Action<OrleansTransportOptions>? configureOrleans = null)
    {
        var options = services.AddOptions<GrainLimiterClientOptions>().BindConfiguration(GrainLimiterClientOptions.Section);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        var orleans = services.AddOptions<OrleansTransportOptions>().BindConfiguration(OrleansTransportOptions.Section);
        if (configureOrleans is not null)
        {
            orleans.Configure(configureOrleans);
        }

        services.AddSingleton<IValidateOptions<GrainLimiterClientOptions>, GrainLimiterClientOptionsValidator>();
        options.ValidateOnStart();
        services.AddSingleton(static provider =>
        {
            var client = provider.GetRequiredService<IOptions<GrainLimiterClientOptions>>().Value;
            return client.Transport == ClusterTransport.Orleans
                ? GrainLimiterOrleansClient.Create(client, provider.GetRequiredService<IOptions<OrleansTransportOptions>>().Value,
                    provider.GetService<ILoggerFactory>())
                : new GrainLimiterClient(client, provider.GetService<ILoggerFactory>(), provider.GetService<TimeProvider>());
        });
        services.AddHostedService<ClientWarmUp>();
        return services;
    }

    /// <summary>Sets <c>RateLimiterOptions.GlobalLimiter</c> to a <see cref="GrainLimiterPartitionedRateLimiter"/> over <paramref name="rules"/>
    /// and answers its rejections with the standard headers and problem+json. Call <c>AddRateLimiter</c> and <c>UseRateLimiter</c> as usual.
    /// Admitted requests of adaptive policies report their outcome (timed on the registered <see cref="TimeProvider"/>).</summary>
    public static IServiceCollection AddGrainLimiterGlobalLimiter(this IServiceCollection services, params LimitRule[] rules)
    {
        services.AddOptions<RateLimiterOptions>().Configure<GrainLimiterClient, IServiceProvider>((limiter, client, provider) =>
        {
            limiter.GlobalLimiter = new GrainLimiterPartitionedRateLimiter(client, rules, provider.GetService<TimeProvider>());
            limiter.OnRejected ??= Responses.RateLimitResponse.OnRejectedAsync;
        });
        return services;
    }

    /// <summary>Adds an <see cref="OutboundThrottle"/> over the keys of <c>GrainLimiter:Throttle</c> then <paramref name="configure"/>.</summary>
    public static IServiceCollection AddGrainLimiterThrottle(this IServiceCollection services, Action<OutboundThrottleOptions>? configure = null)
    {
        var options = services.AddOptions<OutboundThrottleOptions>().BindConfiguration(OutboundThrottleOptions.Section);
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddSingleton(static provider => new OutboundThrottle(
            provider.GetRequiredService<GrainLimiterClient>(),
            provider.GetRequiredService<IOptions<OutboundThrottleOptions>>().Value,
            provider.GetService<TimeProvider>()));
        return services;
    }

    /// <summary>Reports every problem of the options at start, each naming the setting (the Orleans ones when that is the transport).</summary>
    private sealed class GrainLimiterClientOptionsValidator(IOptions<OrleansTransportOptions> orleans) : IValidateOptions<GrainLimiterClientOptions>
    {
        public ValidateOptionsResult Validate(string? name, GrainLimiterClientOptions options)
        {
            var problems = options.Validate().ToList();
            if (options.Transport == ClusterTransport.Orleans)
            {
                problems.AddRange(orleans.Value.Validate());
            }

            return problems.Count > 0 ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
        }
    }

    /// <summary>Opens the connections to the silos at start so the first requests fit in the short deadline.</summary>
    private sealed class ClientWarmUp(GrainLimiterClient client) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken) => client.WarmUpAsync(TimeSpan.FromSeconds(2), cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
