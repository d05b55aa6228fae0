using GrainLimiter.Client.AspNetCore.Middleware;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace GrainLimiter.Client.AspNetCore;

/// <summary>Adds the GrainLimiter middleware to the pipeline.</summary>
public static class GrainLimiterApplicationBuilderExtensions
{
    /// <summary>Checks every request against the rules configured in <paramref name="configure"/> (needs <c>AddGrainLimiterClient</c>);
    /// 429 with <c>Retry-After</c>, rate-limit headers and a problem+json body when denied; admitted requests of adaptive policies
    /// report their outcome (<see cref="GrainLimiterMiddlewareOptions.ReportOutcomes"/>), timed on the registered <see cref="TimeProvider"/>.</summary>
    public static IApplicationBuilder UseGrainLimiter(this IApplicationBuilder app, Action<GrainLimiterMiddlewareOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        var options = new GrainLimiterMiddlewareOptions();
        configure(options);
        return app.UseMiddleware<GrainLimiterMiddleware>(options, app.ApplicationServices.GetService<TimeProvider>() ?? TimeProvider.System);
    }
}
