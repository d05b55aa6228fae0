using GrainLimiter.Silo.Config;
using Orleans.Dashboard;

namespace GrainLimiter.Silo.Fronts.Admin.Dashboard;

/// <summary>Orleans' dashboard under <c>/admin/dashboard</c> and the GrainLimiter page at <c>/admin/page</c>, behind the admin token.</summary>
/// <remarks>
/// Both need a read or write token (login cookie or bearer header); with no admin token configured neither is added
/// (404), and Orleans' dashboard services (its grain call profiler among them) are not registered at all.
/// </remarks>
internal static class DashboardPages
{
    public const string OrleansPath = "/admin/dashboard";
    public const string PagePath = "/admin/page";
    public const string AssetsPath = "/admin/assets";

    // Ours: scripts, styles and calls from this origin only, no inline code, no framing.
    private const string PagePolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

    // Orleans' bundle sets inline styles and loads fonts/images from its own path; it still runs no foreign script.
    private const string OrleansPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
        "font-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'self'";

    public static ISiloBuilder AddAdminDashboard(this ISiloBuilder silo, SiloOptions options)
    {
        if (new AdminTokens(options).Enabled)
        {
            silo.AddDashboard();
            silo.Services.AddSingleton<DashboardAssets>();
            silo.Services.AddAntiforgery(static antiforgery =>
            {
                antiforgery.Cookie.Name = "grainlimiter_antiforgery";
                antiforgery.Cookie.Path = "/admin";
                antiforgery.Cookie.SameSite = SameSiteMode.Strict;
                antiforgery.FormFieldName = "antiforgery";
            });
        }

        return silo;
    }

    /// <summary>Adds the security headers of the dashboard pages; call before authentication, so redirects carry them too.</summary>
    public static IApplicationBuilder UseDashboardHeaders(this IApplicationBuilder app) =>
        app.UseWhen(static context => context.Request.Path.StartsWithSegments("/admin") && !context.Request.Path.StartsWithSegments("/admin/v1"),
            static branch => branch.Use((context, next) =>
            {
                var headers = context.Response.Headers;
                headers.ContentSecurityPolicy = context.Request.Path.StartsWithSegments(OrleansPath) ? OrleansPolicy : PagePolicy;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                return next(context);
            }));

    public static void MapAdminPages(this IEndpointRouteBuilder endpoints, AdminTokens tokens)
    {
        if (!tokens.Enabled)
        {
            return;
        }

        endpoints.MapAdminLogin();
        endpoints.MapGet(AssetsPath + "/{name}", static (HttpContext context, string name, DashboardAssets assets) => assets.Serve(context, name))
            .AllowAnonymous();
        endpoints.MapGet(PagePath, static (HttpContext context, DashboardAssets assets) =>
                assets.Page(context, "page.html", ("access", context.Access().ToString())))
            .RequireAuthorization(AdminAuthentication.ReadPolicy);
        var orleansIndex = OrleansIndexWithLink();
        endpoints.MapOrleansDashboard(OrleansPath)
            .RequireAuthorization(AdminAuthentication.ReadPolicy)
            .AddEndpointFilter(async (context, next) =>
            {
                var path = context.HttpContext.Request.Path;
                return orleansIndex is not null && (path == OrleansPath + "/" || path == OrleansPath + "/index.html")
                    ? Results.Content(orleansIndex, "text/html; charset=utf-8")
                    : await next(context);
            });
    }

    /// <summary>Orleans' index.html with a link to the GrainLimiter page; null if the package's file changed shape.</summary>
    private static string? OrleansIndexWithLink()
    {
        using var stream = typeof(DashboardOptions).Assembly.GetManifestResourceStream("Orleans.Dashboard.wwwroot.index.html");
        if (stream is null)
        {
            return null;
        }

        var html = new StreamReader(stream).ReadToEnd();
        const string link = """<link rel="stylesheet" href="../assets/orleans-link.css">""" +
            """<a id="grainlimiter-link" href="../page">GrainLimiter page &rarr;</a>""";
        return html.Contains("</body>", StringComparison.Ordinal) ? html.Replace("</body>", link + "</body>", StringComparison.Ordinal) : null;
    }
}
