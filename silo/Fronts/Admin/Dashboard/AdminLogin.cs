using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;

namespace GrainLimiter.Silo.Fronts.Admin.Dashboard;

/// <summary>The login form (<c>GET/POST /admin/login</c>) that turns an admin token into the <see cref="AdminCookie"/>, and the logout.</summary>
/// <remarks>The form carries an antiforgery token (cookie + hidden field), so another site cannot log a browser in.</remarks>
internal static class AdminLogin
{
    public const string LogoutPath = "/admin/logout";
    private const string TokenField = "token";
    private const string ReturnField = "returnUrl";

    public static void MapAdminLogin(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(AdminCookie.LoginPath, static (HttpContext context, IAntiforgery antiforgery, DashboardAssets assets) =>
            Form(context, antiforgery, assets, context.Request.Query[ReturnField].ToString(), message: "")).AllowAnonymous();
        endpoints.MapPost(AdminCookie.LoginPath, LoginAsync).AllowAnonymous();
        endpoints.MapPost(LogoutPath, (Delegate)LogoutAsync).AllowAnonymous();
    }

    private static async Task<IResult> LoginAsync(HttpContext context, IAntiforgery antiforgery, DashboardAssets assets, AdminTokens tokens)
    {
        if (!context.Request.HasFormContentType)
        {
            return Results.Problem(title: "Invalid request", detail: "body: the login expects the form of GET /admin/login.",
                statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["field"] = "body" });
        }

        var form = await context.Request.ReadFormAsync(context.RequestAborted);
        var returnUrl = form[ReturnField].ToString();
        if (!await antiforgery.IsRequestValidAsync(context))
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return Form(context, antiforgery, assets, returnUrl, "The form expired; log in again.");
        }

        var access = tokens.Check(form[TokenField].ToString());
        if (access == AdminAccess.None)
        {
            context.Response.StatusCode = StatusCodes.Status401Unauthorized;
            return Form(context, antiforgery, assets, returnUrl, "That is not an admin token (GrainLimiter:AdminToken or AdminReadToken).");
        }

        await context.SignInAsync(AdminAuthentication.CookieScheme, AdminCookie.Principal(access, tokens));
        return Results.Redirect(IsLocalAdminPath(returnUrl) ? returnUrl : DashboardPages.PagePath, permanent: false, preserveMethod: false);
    }

    /// <summary>Ends the session; a cross-site form cannot, as it needs <see cref="AdminCookie.RequestHeader"/>.</summary>
    private static async Task<IResult> LogoutAsync(HttpContext context)
    {
        if (!context.Request.Headers.ContainsKey(AdminCookie.RequestHeader))
        {
            return Results.Problem(title: "Invalid request", detail: $"{AdminCookie.RequestHeader}: the logout needs this header.",
                statusCode: StatusCodes.Status400BadRequest,
                extensions: new Dictionary<string, object?> { ["field"] = AdminCookie.RequestHeader });
        }

        await context.SignOutAsync(AdminAuthentication.CookieScheme);
        return Results.NoContent();
    }

    private static IResult Form(HttpContext context, IAntiforgery antiforgery, DashboardAssets assets, string returnUrl, string message)
    {
        var tokens = antiforgery.GetAndStoreTokens(context);
        return assets.Page(context, "login.html",
            ("antiforgeryField", tokens.FormFieldName), ("antiforgery", tokens.RequestToken ?? ""),
            ("returnUrl", IsLocalAdminPath(returnUrl) ? returnUrl : ""), ("message", message));
    }

    // Only a page of this silo's admin area: never an open redirect to another site ("//evil", "/\evil").
    private static bool IsLocalAdminPath(string url) =>
        url.StartsWith("/admin/", StringComparison.Ordinal) && !url.Contains("//", StringComparison.Ordinal)
        && !url.Contains('\\', StringComparison.Ordinal) && url.Length <= 2_000;
}
