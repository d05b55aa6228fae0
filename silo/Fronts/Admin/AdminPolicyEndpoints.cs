using System.Text.Encodings.Web;
using System.Text.Json;
using GrainLimiter.Silo.Policies;
using GrainLimiter.Silo.Policies.Reload;

namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary><c>GET /admin/v1/policies</c> (the policies in force and their version) and <c>POST /admin/v1/policies/reload</c>.</summary>
internal static class AdminPolicyEndpoints
{
    public static RouteGroupBuilder MapPolicies(this RouteGroupBuilder admin)
    {
        admin.MapGet("/policies", GetAsync);
        admin.MapPost("/policies/reload", ReloadAsync).RequireAuthorization(AdminAuthentication.WritePolicy);
        return admin;
    }

    private static Task GetAsync(HttpContext context, PolicyRegistry policies, PolicyReloader reloader) =>
        AdminJson.WriteAsync(context, json =>
        {
            json.WriteStartObject();
            json.WriteNumber("version", policies.Version);
            json.WriteString("source", reloader.PoliciesFile);
            json.WriteStartArray("policies");
            foreach (var policy in policies.Configured.OrderBy(static p => p.Name, StringComparer.Ordinal))
            {
                var definition = policy.Definition;
                json.WriteStartObject();
                json.WriteString("name", policy.Name);
                json.WriteString("scope", definition.Scope.ToString().ToLowerInvariant());
                json.WriteBoolean("shadowMode", definition.ShadowMode);
                json.WriteString("failureMode", definition.FailureMode.ToString().ToLowerInvariant());
                json.WriteStartArray("limits");
                for (var i = 0; i < definition.Limits.Count; i++)
                {
                    AdminJson.PolicyLimit(json, policy.LimitNames[i], definition.Limits[i]);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        });

    private static async Task ReloadAsync(HttpContext context, PolicyReloader reloader)
    {
        var result = await reloader.ReloadAndAnnounceAsync("admin", always: true);
        if (result.Succeeded)
        {
            await AdminJson.WriteAsync(context, json =>
            {
                json.WriteStartObject();
                json.WriteNumber("version", result.Version);
                json.WriteBoolean("changed", result.Changed);
                json.WriteStartArray("policies");
                foreach (var name in result.Policies)
                {
                    json.WriteStringValue(name);
                }

                json.WriteEndArray();
                json.WriteEndObject();
            });
            return;
        }

        // Problem+json with every problem listed; the field names which setting's files are at fault.
        var field = result.Errors.Any(e => e.StartsWith(reloader.PoliciesFile, StringComparison.Ordinal)) ? "policiesFile" : "envoyConfigPaths";
        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "application/problem+json";
        await using var json = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("type", "about:blank");
        json.WriteString("title", "Policy file is invalid");
        json.WriteNumber("status", StatusCodes.Status400BadRequest);
        json.WriteString("field", field);
        json.WriteString("detail", $"{field}: {result.Errors.Count} problem(s); the policies in force stay (version {result.Version}).");
        json.WriteStartArray("errors");
        foreach (var error in result.Errors)
        {
            json.WriteStringValue(error);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
