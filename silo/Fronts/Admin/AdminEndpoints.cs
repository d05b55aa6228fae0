using System.Security.Cryptography;
using System.Text;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Fronts.Http;
using GrainLimiter.Silo.Runtime;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary>Operator endpoints under <c>/admin</c>, behind a bearer token. With no token configured they do not exist.</summary>
internal static class AdminEndpoints
{
    /// <returns>The <c>/admin/v1</c> group, for other parts to map operator endpoints on; null when admin is disabled.</returns>
    public static RouteGroupBuilder? MapAdminEndpoints(this IEndpointRouteBuilder endpoints, SiloOptions options)
    {
        if (string.IsNullOrEmpty(options.AdminToken))
        {
            return null;
        }

        var admin = endpoints.MapGroup("/admin/v1").AddEndpointFilter(new BearerTokenFilter(options.AdminToken));
        admin.MapPost("/reset", ResetAsync);
        return admin;
    }

    private static async Task ResetAsync(HttpContext context, ILimitService limits, CheckValidator validator, IOptions<SiloOptions> options, ILoggerFactory loggers)
    {
        var body = await JsonBody.ReadKeyAsync(context, validator, options.Value.MaxRequestBodyBytes);
        if (body is null)
        {
            return;
        }

        await limits.ResetAsync(body.Policy!, body.Key!, context.RequestAborted);
        // The key may be personal data (a user or IP): log the policy only.
        loggers.CreateLogger("GrainLimiter.Admin").LogInformation("Admin reset a key of policy {Policy}.", body.Policy);
        context.Response.StatusCode = StatusCodes.Status204NoContent;
    }

    private sealed class BearerTokenFilter(string token) : IEndpointFilter
    {
        private readonly byte[] _expected = Encoding.UTF8.GetBytes(token);

        public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
        {
            var header = context.HttpContext.Request.Headers.Authorization.ToString();
            const string Scheme = "Bearer ";
            var presented = header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()) : [];
            if (CryptographicOperations.FixedTimeEquals(presented, _expected))
            {
                return await next(context);
            }

            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer realm=\"grainlimiter-admin\"";
            await Problem.WriteAsync(context.HttpContext, StatusCodes.Status401Unauthorized, "Unauthorized", "Authorization",
                "Authorization: a valid 'Bearer <GrainLimiter:AdminToken>' header is required.");
            return Results.Empty;
        }
    }
}
