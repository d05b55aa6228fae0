using System.Globalization;
using System.Text.Json;
using GrainLimiter.Adaptive;
using GrainLimiter.Decisions;
using GrainLimiter.Grains;
using GrainLimiter.Policies;

namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary>The JSON the admin API answers: key views, overrides and policies (docs/operations.md, "Admin API and policy reload").</summary>
internal static class AdminJson
{
    /// <summary>fixed_window, token_bucket...: the policy file's spelling.</summary>
    public static string Algorithm(LimitAlgorithmKind kind) => Spelling(kind);

    /// <summary>An enum value as the policy file spells it: <c>success_rate</c>, <c>aimd</c>.</summary>
    public static string Spelling<T>(T value) where T : struct, Enum => JsonNamingPolicy.SnakeCaseLower.ConvertName(value.ToString());

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
            json.WriteNumber("resetAfterMs", DecisionTimes.Milliseconds(limit.ResetAfter));
            json.WriteNumber("windowMs", (long)limit.Window.TotalMilliseconds);
            Learned(json, limit.Adaptive);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary><c>"adaptive"</c>: what an adaptive limit has learned (its limit in force is <c>effectiveLimit</c>), or null.</summary>
    private static void Learned(Utf8JsonWriter json, AdaptiveView? adaptive)
    {
        if (adaptive is null)
        {
            json.WriteNull("adaptive");
            return;
        }

        json.WriteStartObject("adaptive");
        json.WriteString("rule", Spelling(adaptive.Rule));
        json.WriteString("by", Spelling(adaptive.By));
        json.WriteNumber("min", adaptive.Min);
        json.WriteNumber("max", adaptive.Max);
        // Null before any report (latency: before any timed one); rounded so a smoothed average does not print 17 digits.
        NumberOrNull(json, "successRate", adaptive.SuccessRate is { } rate ? Math.Round(rate, 4) : null);
        NumberOrNull(json, "latencyMs", adaptive.Latency is { } latency ? Math.Round(latency.TotalMilliseconds, 1) : null);
        json.WriteNumber("samples", Math.Round(adaptive.Samples, 1));
        json.WriteEndObject();
    }

    /// <summary>One limit of a policy as configured: <c>name, algorithm, limit, windowMs, adaptive</c>.</summary>
    public static void PolicyLimit(Utf8JsonWriter json, string name, LimitSpec limit)
    {
        json.WriteStartObject();
        json.WriteString("name", name);
        json.WriteString("algorithm", Algorithm(limit.Algorithm));
        json.WriteNumber("limit", limit.Limit);
        json.WriteNumber("windowMs", (long)LimitWindow.Of(limit).TotalMilliseconds);
        if (limit.Adaptive is not { } adaptive)
        {
            json.WriteNull("adaptive");
        }
        else
        {
            json.WriteStartObject("adaptive");
            json.WriteNumber("min", adaptive.Min);
            json.WriteNumber("max", adaptive.Max);
            json.WriteString("by", Spelling(adaptive.By));
            json.WriteString("rule", Spelling(adaptive.Rule));
            json.WriteNumber("targetMs", (long)adaptive.Target.TotalMilliseconds);
            json.WriteNumber("windowMs", (long)adaptive.Window.TotalMilliseconds);
            json.WriteNumber("intervalMs", (long)adaptive.Interval.TotalMilliseconds);
            json.WriteNumber("minSamples", adaptive.MinSamples);
            if (adaptive.Rule == AdaptiveRule.Aimd)
            {
                json.WriteNumber("increase", adaptive.IncreaseStep); // the step in force: the configured one or its default
                json.WriteNumber("decrease", adaptive.Decrease);
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    private static void NumberOrNull(Utf8JsonWriter json, string name, double? value)
    {
        if (value is { } number)
        {
            json.WriteNumber(name, number);
        }
        else
        {
            json.WriteNull(name);
        }
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
