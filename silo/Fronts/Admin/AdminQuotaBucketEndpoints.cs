using System.Text.Json;
using GrainLimiter.Grains;
using GrainLimiter.QuotaBuckets;
using GrainLimiter.Silo.Fronts.Envoy.Rlqs;
using GrainLimiter.Silo.Fronts.Http;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Admin;

/// <summary><c>GET /admin/v1/quota-buckets/{domain}?key=value...</c>: one Rate Limit Quota Service bucket (the query is its
/// bucket id) with every stream's demand, share and assignments in force.</summary>
internal static class AdminQuotaBucketEndpoints
{
    public static RouteGroupBuilder MapQuotaBuckets(this RouteGroupBuilder admin)
    {
        admin.MapGet("/quota-buckets/{domain}", GetAsync);
        return admin;
    }

    private static async Task GetAsync(HttpContext context, string domain, IGrainFactory grains, IOptions<RlqsOptions> options)
    {
        var bucketId = context.Request.Query.ToDictionary(static q => q.Key, static q => q.Value.ToString(), StringComparer.Ordinal);
        if (RlqsBucketKey.Problem(domain, bucketId, options.Value, out var key) is { } problem)
        {
            await Problem.BadRequestAsync(context, "bucket", $"the bucket id (the query, e.g. ?name=api&tenant=acme) {problem}");
            return;
        }

        var (done, view) = await AdminRequests.CallAsync(context, () => grains.GetGrain<IQuotaBucketGrain>(key).InspectAsync());
        if (done)
        {
            await AdminJson.WriteAsync(context, json => Write(json, domain, bucketId, view));
        }
    }

    private static void Write(Utf8JsonWriter json, string domain, Dictionary<string, string> bucketId, QuotaBucketView view)
    {
        json.WriteStartObject();
        json.WriteString("domain", domain);
        json.WriteStartObject("bucketId");
        foreach (var (key, value) in bucketId.OrderBy(static e => e.Key, StringComparer.Ordinal))
        {
            json.WriteString(key, value);
        }

        json.WriteEndObject();
        if (view.Spec is { } spec)
        {
            json.WriteString("name", spec.Name);
            json.WriteNumber("limit", spec.Limit);
            json.WriteNumber("windowMs", (long)spec.Window.TotalMilliseconds);
            json.WriteString("strategy", JsonNamingPolicy.SnakeCaseLower.ConvertName(spec.Strategy.ToString()));
            json.WriteNumber("assignmentTtlMs", (long)spec.AssignmentTtl.TotalMilliseconds);
            json.WriteNumber("abandonAfterMs", (long)spec.AbandonAfter.TotalMilliseconds);
        }
        else
        {
            // No stream has reported the bucket since its grain activated.
            json.WriteNull("name");
        }

        json.WriteNumber("reserved", view.Reserved);
        AdminJson.Time(json, "quarantinedUntil", view.QuarantinedUntil);
        json.WriteStartArray("streams");
        foreach (var stream in view.Streams)
        {
            json.WriteStartObject();
            json.WriteString("stream", stream.Stream);
            json.WriteNumber("demand", stream.Demand);
            json.WriteNumber("share", stream.Share);
            json.WriteNumber("reserved", stream.Reserved);
            AdminJson.Time(json, "expiresAt", stream.ExpiresAt);
            AdminJson.Time(json, "lastReport", stream.LastReport);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }
}
