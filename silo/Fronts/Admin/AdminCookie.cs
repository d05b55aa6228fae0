using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary>The dashboard's login cookie: the access a token granted, for browsers that cannot send a bearer header.</summary>
/// <remarks>
/// HttpOnly, SameSite=Strict, path <c>/admin</c>, Secure when the login came over HTTPS; it expires
/// <see cref="Lifetime"/> after the last request (sliding). It carries the access level and a digest of the token that
/// was presented: a silo whose token changed refuses it. A change (any method but GET/HEAD) made with the cookie must
/// also carry <see cref="RequestHeader"/>, which a cross-site form cannot send. Without the cookie, a page request is
/// sent to the login form and an API call answers 401 as with no bearer token.
/// </remarks>
public static class AdminCookie
{
    public const string Name = "grainlimiter_admin";
    public const string RequestHeader = "X-GrainLimiter-Request";
    public const string LoginPath = "/admin/login";
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(8);
    private const string TokenClaim = "grainlimiter_admin_token";

    /// <summary>The principal a login with a token of <paramref name="access"/> signs in.</summary>
    public static ClaimsPrincipal Principal(AdminAccess access, AdminTokens tokens) =>
        AdminAuthentication.Principal(access, AdminAuthentication.CookieScheme, new Claim(TokenClaim, Convert.ToBase64String(tokens.Fingerprint(access))));

    internal static void Configure(CookieAuthenticationOptions options)
    {
        options.Cookie.Name = Name;
        options.Cookie.Path = "/admin";
        options.Cookie.HttpOnly = true;
        options.Cookie.SameSite = SameSiteMode.Strict;
        options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
        options.ExpireTimeSpan = Lifetime;
        options.SlidingExpiration = true;
        options.LoginPath = LoginPath;
        options.ReturnUrlParameter = "returnUrl";
        options.Events.OnRedirectToLogin = static context => IsApi(context.Request)
            ? AdminAuthentication.WriteUnauthorizedAsync(context.HttpContext)
            : RedirectAsync(context);
        options.Events.OnRedirectToAccessDenied = static context => AdminAuthentication.WriteForbiddenAsync(context.HttpContext);
    }

    internal static void Validate(CookieAuthenticationOptions options, AdminTokens tokens) =>
        options.Events.OnValidatePrincipal = context =>
        {
            var access = Enum.TryParse<AdminAccess>(context.Principal?.FindFirst(AdminAuthentication.AccessClaim)?.Value, out var a) ? a : AdminAccess.None;
            var presented = context.Principal?.FindFirst(TokenClaim)?.Value;
            var current = access == AdminAccess.None ? [] : tokens.Fingerprint(access);
            var stillValid = presented is not null && access != AdminAccess.None
                && CryptographicOperations.FixedTimeEquals(Convert.FromBase64String(presented), current);
            var safe = HttpMethods.IsGet(context.Request.Method) || HttpMethods.IsHead(context.Request.Method);
            if (!stillValid || (!safe && !context.Request.Headers.ContainsKey(RequestHeader)))
            {
                context.RejectPrincipal();
            }

            return Task.CompletedTask;
        };

    private static bool IsApi(HttpRequest request) => request.Path.StartsWithSegments("/admin/v1");

    private static Task RedirectAsync(Microsoft.AspNetCore.Authentication.RedirectContext<CookieAuthenticationOptions> context)
    {
        context.Response.Redirect(context.RedirectUri);
        return Task.CompletedTask;
    }
}
