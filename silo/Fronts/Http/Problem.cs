using System.Text.Encodings.Web;
using System.Text.Json;
using GrainLimiter.Decisions;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Checks.Overload;

namespace GrainLimiter.Silo.Fronts.Http;

/// <summary>RFC 9457 problem responses; <c>field</c> names what the caller must fix.</summary>
internal static class Problem
{
    public static async Task WriteAsync(HttpContext context, int status, string title, string? field, string detail)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/problem+json";
        // Relaxed escaping keeps quotes in messages readable; the body is JSON, never HTML.
        await using var json = new Utf8JsonWriter(context.Response.Body, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        json.WriteStartObject();
        json.WriteString("type", "about:blank");
        json.WriteString("title", title);
        json.WriteNumber("status", status);
        if (field is not null)
        {
            json.WriteString("field", field);
        }

        json.WriteString("detail", detail);
        json.WriteEndObject();
    }

    /// <summary>400 naming <paramref name="field"/>, counted as the caller's fault (<see cref="BadRequests"/>).</summary>
    public static Task BadRequestAsync(HttpContext context, string field, string detail, string reason = BadRequests.Reason.InvalidArgument)
    {
        Count(context, reason);
        return WriteAsync(context, StatusCodes.Status400BadRequest, "Invalid request", field, $"{field} {detail}");
    }

    public static Task BodyTooLargeAsync(HttpContext context, int maxBytes)
    {
        Count(context, BadRequests.Reason.TooLarge);
        return WriteAsync(context, StatusCodes.Status400BadRequest, "Request body too large", "body", $"body is larger than {maxBytes} bytes.");
    }

    /// <summary>503 with Retry-After (whole seconds, rounded up): the silo shed the check; counted as shed, not as a bad request.</summary>
    public static Task OverloadedAsync(HttpContext context, SiloOverloadedException overloaded)
    {
        context.Response.Headers.RetryAfter = DecisionTimes.Seconds(overloaded.RetryAfter).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Overloaded", null, overloaded.Message);
    }

    private static void Count(HttpContext context, string reason) =>
        context.RequestServices.GetRequiredService<SiloMetrics>().RecordBadRequest(BadRequests.Front.Http, reason);
}
