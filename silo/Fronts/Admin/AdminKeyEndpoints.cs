using GrainLimiter.Config;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Fronts.Http;
using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Policies;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary><c>GET /admin/v1/keys/{policy}/{key}</c> (every limit's usage, the pause, the override) and <c>POST /admin/v1/pause</c>.</summary>
internal static class AdminKeyEndpoints
{
    public static RouteGroupBuilder MapKeys(this RouteGroupBuilder admin)
    {
        admin.MapGet("/keys/{policy}/{**key}", GetAsync);
        admin.MapPost("/pause", PauseAsync).RequireAuthorization(AdminAuthentication.WritePolicy);
        return admin;
    }

    private static async Task GetAsync(HttpContext context, string policy, string key, GrainReferenceCache grains, CheckValidator validator,
        PolicyRegistry policies)
    {
        if (!await AdminRequests.ValidKeyAsync(context, validator, policies, policy, key))
        {
            return;
        }

        var (done, view) = await AdminRequests.CallAsync(context, () => grains.Get(policy, key).InspectAsync());
        if (done)
        {
            await AdminJson.WriteAsync(context, json => AdminJson.KeyView(json, policy, key, view));
        }
    }

    private static async Task PauseAsync(HttpContext context, GrainReferenceCache grains, ICheckPipeline limits, CheckValidator validator,
        PolicyRegistry policies, TimeProvider time, IOptions<SiloOptions> options)
    {
        var body = await JsonBody.ReadAsync(context, AdminJsonContext.Default.PauseBody, options.Value.MaxRequestBodyBytes);
        if (body is null || !await AdminRequests.ValidKeyAsync(context, validator, policies, body.Policy, body.Key))
        {
            return;
        }

        AdminAudit.Target(context, body.Policy!, body.Key!);
        if (!DurationParser.TryParse(body.For, out var pause) || pause < TimeSpan.FromMilliseconds(1) || pause > LimiterFront.MaxPause)
        {
            await Problem.BadRequestAsync(context, "for", $"must be a duration from 1ms to 1d such as 30s or 10m; got '{body.For}'.");
            return;
        }

        await limits.PauseAsync(body.Policy!, body.Key!, time.GetUtcNow() + pause, context.RequestAborted);
        var (done, view) = await AdminRequests.CallAsync(context, () => grains.Get(body.Policy!, body.Key!).InspectAsync());
        if (done)
        {
            await AdminJson.WriteAsync(context, json => AdminJson.KeyView(json, body.Policy!, body.Key!, view));
        }
    }
}
