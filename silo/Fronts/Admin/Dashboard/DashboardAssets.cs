using System.Net;
using System.Security.Cryptography;

namespace GrainLimiter.Silo.Fronts.Admin.Dashboard;

/// <summary>The dashboard's own files (HTML, CSS, JS), embedded in the silo: nothing to build, nothing fetched from a CDN.</summary>
internal sealed class DashboardAssets
{
    private const string Prefix = "GrainLimiter.Dashboard.";
    private readonly Dictionary<string, Asset> _assets = new(StringComparer.Ordinal);

    public DashboardAssets()
    {
        var assembly = typeof(DashboardAssets).Assembly;
        foreach (var name in assembly.GetManifestResourceNames().Where(static n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var bytes = copy.ToArray();
            var file = name[Prefix.Length..];
            _assets[file] = new Asset(bytes, ContentType(file), $"\"{Convert.ToHexString(SHA256.HashData(bytes))[..16]}\"");
        }
    }

    /// <summary>Serves a CSS or JS file by name (never an HTML template); 404 for any other name.</summary>
    public IResult Serve(HttpContext context, string name)
    {
        if (!_assets.TryGetValue(name, out var asset) || name.EndsWith(".html", StringComparison.Ordinal))
        {
            return Results.NotFound();
        }

        context.Response.Headers.CacheControl = "no-cache";
        return context.Request.Headers.IfNoneMatch == asset.ETag
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(asset.Bytes, asset.ContentType, entityTag: new Microsoft.Net.Http.Headers.EntityTagHeaderValue(asset.ETag));
    }

    /// <summary>An HTML template with each <c>{{name}}</c> replaced by its value, HTML-encoded.</summary>
    public IResult Page(HttpContext context, string name, params (string Name, string Value)[] values)
    {
        var html = System.Text.Encoding.UTF8.GetString(_assets[name].Bytes);
        foreach (var (placeholder, value) in values)
        {
            html = html.Replace("{{" + placeholder + "}}", WebUtility.HtmlEncode(value), StringComparison.Ordinal);
        }

        context.Response.Headers.CacheControl = "no-store";
        return Results.Content(html, "text/html; charset=utf-8");
    }

    private static string ContentType(string file) => Path.GetExtension(file) switch
    {
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Bytes, string ContentType, string ETag);
}
