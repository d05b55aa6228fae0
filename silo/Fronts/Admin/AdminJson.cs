using System.Globalization;
using System.Text.Json;
using GrainLimiter.Grains;
using GrainLimiter.Policies;

namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary>The JSON the admin API answers: key views, overrides and policies (docs: README "Admin API").</summary>
internal static class AdminJson
{
    /// <summary>fixed_window, token_bucket...: the policy file's spelling.</summary>
    public static string Algorithm(LimitAlgorithmKind kind) => JsonNamingPolicy.SnakeCaseLower.ConvertName(kind.ToString());

    public static async Task WriteAsync(HttpContext context, Action<Utf8JsonWriter> write, int status = StatusCodes.Status200OK)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        write(json);
    }

    public static void KeyView(Utf8JsonWriter json, string policy, string key, KeyView view)
    {
        json.WriteStartObject();
        json.WriteString("policy", policy);
        json.WriteString("key", key);
        Time(json, "pausedUntil", view.PausedUntil);
        json.WritePropertyName("override");
        if (view.Override is null)
        {
            json.WriteNullValue();
        }
        else
        {
            json.WriteStartObject();
            OverrideMembers(json, view.Override);
            json.WriteEndObject();
        }

        json.WriteStartArray("limits");
        foreach (var limit in view.Limits)
        {
            json.WriteStartObject();
            json.WriteString("name", limit.Name);
            json.WriteString("algorithm", Algorithm(limit.Algorithm));
            json.WriteNumber("limit", limit.Limit);
            json.WriteNumber("effectiveLimit", limit.EffectiveLimit);
            json.WriteNumber("used", limit.Used);
            json.WriteNumber("remaining", limit.Remaining);
            json.WriteNumber("resetAfterMs", (long)Math.Ceiling(limit.ResetAfter.TotalMilliseconds));
            json.WriteNumber("windowMs", (long)limit.Window.TotalMilliseconds);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary><c>"limits":[{"name","limit"|"multiplier"}],"expiresAt"</c>, inside an object being written.</summary>
    public static void OverrideMembers(Utf8JsonWriter json, KeyOverride value)
    {
        json.WriteStartArray("limits");
        foreach (var item in value.Limits)
        {
            json.WriteStartObject();
            json.WriteString("name", item.Name);
            if (item.Limit is { } limit)
            {
                json.WriteNumber("limit", limit);
            }
            else
            {
                json.WriteNumber("multiplier", item.Multiplier ?? 1);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        Time(json, "expiresAt", value.ExpiresAt);
    }

    public static void Time(Utf8JsonWriter json, string name, DateTimeOffset? value)
    {
        if (value is { } time)
        {
            json.WriteString(name, time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture));
        }
        else
        {
            json.WriteNull(name);
        }
    }
}
