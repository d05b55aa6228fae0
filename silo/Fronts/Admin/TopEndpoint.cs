using System.Globalization;
using System.Text.Json;
using GrainLimiter.Silo.Fronts.Http;
using GrainLimiter.Silo.Observability.TopKeys;

namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary><c>GET /admin/v1/top?count=N</c>: decisions and block rate per policy and the most denied keys of the cluster, last minute.</summary>
internal static class TopEndpoint
{
    public const int DefaultCount = 20;
    public const int MaxCount = HeavyHitters.KeysPerSlot;

    public static void MapTop(this RouteGroupBuilder admin) => admin.MapGet("/top", WriteTopAsync);

    private static async Task WriteTopAsync(HttpContext context, ClusterTop top)
    {
        var count = DefaultCount;
        var raw = context.Request.Query["count"];
        if (raw.Count > 0 && (raw.Count > 1 || !int.TryParse(raw[0], NumberStyles.None, CultureInfo.InvariantCulture, out count) || count is < 1 or > MaxCount))
        {
            await Problem.BadRequestAsync(context, "count", $"must be a whole number from 1 to {MaxCount}.");
            return;
        }

        var cluster = await top.SummaryAsync(count, context.RequestAborted);
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-store";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteNumber("windowSeconds", cluster.Summary.WindowSeconds);
        json.WriteNumber("silos", cluster.Silos);
        json.WriteNumber("unanswered", cluster.Unanswered);
        json.WriteStartArray("policies");
        foreach (var policy in cluster.Summary.Policies)
        {
            json.WriteStartObject();
            json.WriteString("policy", policy.Policy);
            json.WriteNumber("allowed", policy.Allowed);
            json.WriteNumber("denied", policy.Denied);
            json.WriteNumber("blockRate", Math.Round((double)policy.Denied / (policy.Allowed + policy.Denied), 4));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("keys");
        foreach (var key in cluster.Summary.Keys)
        {
            json.WriteStartObject();
            json.WriteString("policy", key.Policy);
            json.WriteString("key", key.Key);
            json.WriteNumber("denied", key.Denied);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
