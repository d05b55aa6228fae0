using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Fronts.Http;
using GrainLimiter.Silo.Checks;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary>Operator endpoints under <c>/admin</c>, behind the admin tokens. With no token configured they do not exist.</summary>
internal static class AdminEndpoints
{
    /// <returns>The <c>/admin/v1</c> group, for other parts to map operator endpoints on; null when admin is disabled.</returns>
    /// <remarks>Every endpoint of the group needs a read or write token; those that change something need the write token.</remarks>
    public static RouteGroupBuilder? MapAdminEndpoints(this IEndpointRouteBuilder endpoints, AdminTokens tokens)
    {
        if (!tokens.Enabled)
        {
            return null;
        }

        var admin = endpoints.MapGroup("/admin/v1").RequireAuthorization(AdminAuthentication.ReadPolicy);
        admin.MapPost("/reset", ResetAsync).RequireAuthorization(AdminAuthentication.WritePolicy);
        admin.MapKeys().MapOverrides().MapPolicies().MapQuotaBuckets();
        return admin;
    }

    private static async Task ResetAsync(HttpContext context, ICheckPipeline limits, CheckValidator validator, IOptions<SiloOptions> options)
    {
        var body = await JsonBody.ReadKeyAsync(context, validator, options.Value.MaxRequestBodyBytes);
        if (body is null)
        {
            return;
        }

        AdminAudit.Target(context, body.Policy!, body.Key!);
        await limits.ResetAsync(body.Policy!, body.Key!, context.RequestAborted);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }
}
