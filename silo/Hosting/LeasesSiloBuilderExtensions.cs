using GrainLimiter.Grains.Leases;
using GrainLimiter.Leases;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Checks.Leases;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Hosting;

/// <summary>Hot keys decided at the front: the settings keys lease by, and this silo's front as a lease holder.</summary>
public static class LeasesSiloBuilderExtensions
{
    /// <summary>The configuration section of <see cref="LeaseOptions"/> (environment <c>GrainLimiter__Leases__Ttl</c> and so on).</summary>
    public const string Section = "GrainLimiter:Leases";

    public static ISiloBuilder AddLeases(this ISiloBuilder silo, IConfiguration? configuration = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var options = silo.Services.AddOptions<LeaseOptions>();
        if (configuration is not null)
        {
            options.Bind(configuration.GetSection(Section));
        }

        options.ValidateOnStart();
        silo.Services.AddSingleton<IValidateOptions<LeaseOptions>, LeaseOptionsValidator>();
        silo.Services.AddSingleton(static p =>
        {
            var options = p.GetRequiredService<IOptions<LeaseOptions>>().Value;
            var metrics = p.GetRequiredService<SiloMetrics>();
            return new LeaseHolder(p.GetRequiredService<IGrainFactory>(), p.GetRequiredService<TimeProvider>(), options.Ttl, options.MinAsks,
                p.GetRequiredService<ILogger<LeaseHolder>>(), metrics.RecordFrontDecision);
        });
        silo.Services.AddSingleton<LeaseReturner>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(static p => p.GetRequiredService<LeaseReturner>());
        return silo;
    }

    private sealed class LeaseOptionsValidator : IValidateOptions<LeaseOptions>
    {
        public ValidateOptionsResult Validate(string? name, LeaseOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
