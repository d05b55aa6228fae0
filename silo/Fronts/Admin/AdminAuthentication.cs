using System.Security.Claims;
using System.Text.Encodings.Web;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Fronts.Http;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary>ASP.NET Core authentication and authorization for <c>/admin</c>: bearer tokens with read or write access.</summary>
/// <remarks>
/// <see cref="Scheme"/> is a policy scheme: a request with an <c>Authorization</c> header is judged by its bearer token,
/// any other by the dashboard's login cookie (<see cref="AdminCookie"/>). No scheme is the default: requests outside
/// <c>/admin</c> are never authenticated.
/// </remarks>
public static class AdminAuthentication
{
    /// <summary>The scheme admin endpoints authenticate with.</summary>
    public const string Scheme = "GrainLimiterAdmin";

    public const string BearerScheme = "GrainLimiterAdminBearer";

    public const string CookieScheme = "GrainLimiterAdminCookie";

    /// <summary>Authorization policy of every admin endpoint: a read or write token.</summary>
    public const string ReadPolicy = "grainlimiter-admin-read";

    /// <summary>Authorization policy of admin endpoints that change something: the write token.</summary>
    public const string WritePolicy = "grainlimiter-admin-write";

    public const string AccessClaim = "grainlimiter_admin_access";

    public static IServiceCollection AddAdminAuthentication(this IServiceCollection services)
    {
        services.AddSingleton(static provider => new AdminTokens(provider.GetRequiredService<IOptions<SiloOptions>>().Value));
        services.AddAuthentication()
            .AddPolicyScheme(Scheme, "GrainLimiter admin", static scheme =>
            {
                scheme.ForwardDefault = BearerScheme;
                scheme.ForwardDefaultSelector = static context =>
                    context.Request.Headers.ContainsKey(HeaderNames.Authorization) ? BearerScheme : CookieScheme;
            })
            .AddScheme<AuthenticationSchemeOptions, BearerHandler>(BearerScheme, null)
            .AddCookie(CookieScheme, AdminCookie.Configure);
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme).Configure<AdminTokens>(AdminCookie.Validate);
        services.AddAuthorizationBuilder()
            .AddPolicy(ReadPolicy, static policy => policy.AddAuthenticationSchemes(Scheme)
                .RequireClaim(AccessClaim, nameof(AdminAccess.Read), nameof(AdminAccess.Write)))
            .AddPolicy(WritePolicy, static policy => policy.AddAuthenticationSchemes(Scheme)
                .RequireClaim(AccessClaim, nameof(AdminAccess.Write)));
        return services;
    }

    /// <summary>A principal holding <paramref name="access"/>, for any scheme that accepted a token.</summary>
    public static ClaimsPrincipal Principal(AdminAccess access, string scheme, params Claim[] more) =>
        new(new ClaimsIdentity([new Claim(AccessClaim, access.ToString()), .. more], scheme));

    /// <summary>The 401 answer of an admin API call without an accepted token (bearer header or login cookie).</summary>
    public static Task WriteUnauthorizedAsync(HttpContext context)
    {
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"grainlimiter-admin\"";
        return Problem.WriteAsync(context, StatusCodes.Status401Unauthorized, "Unauthorized", "Authorization",
            "Authorization: a valid 'Bearer <GrainLimiter:AdminToken>' (or AdminReadToken) header is required.");
    }

    /// <summary>The 403 answer of a change asked with the read-only token.</summary>
    public static Task WriteForbiddenAsync(HttpContext context) =>
        Problem.WriteAsync(context, StatusCodes.Status403Forbidden, "Forbidden", "Authorization",
            "Authorization: this token is read-only; changes need GrainLimiter:AdminToken.");

    /// <summary>The access the request authenticated with (set once authorization has run).</summary>
    public static AdminAccess Access(this HttpContext context) =>
        Enum.TryParse<AdminAccess>(context.User.FindFirst(AccessClaim)?.Value, out var access) ? access : AdminAccess.None;

    /// <summary><c>Authorization: Bearer &lt;token&gt;</c>; answers 401 and 403 as problem+json.</summary>
    private sealed class BearerHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AdminTokens tokens)
        : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        private const string Prefix = "Bearer ";

        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            var header = Request.Headers.Authorization.ToString();
            if (header.Length == 0)
            {
                return Task.FromResult(AuthenticateResult.NoResult());
            }

            var presented = header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase) ? header[Prefix.Length..].Trim() : null;
            var access = tokens.Check(presented);
            return Task.FromResult(access == AdminAccess.None
                ? AuthenticateResult.Fail("The bearer token is not an admin token.")
                : AuthenticateResult.Success(new AuthenticationTicket(Principal(access, Scheme.Name), Scheme.Name)));
        }

        protected override Task HandleChallengeAsync(AuthenticationProperties properties) => WriteUnauthorizedAsync(Context);

        protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => WriteForbiddenAsync(Context);
    }
}
