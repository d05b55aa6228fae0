using System.Text.Json;
using GrainLimiter.Decisions;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Checks.Overload;
using GrainLimiter.Silo.Policies;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Http;

/// <summary>The HTTP JSON API gateways call: <c>POST /v1/check</c> and <c>GET /v1/limits/{policy}/{key}</c>.</summary>
internal static class CheckEndpoints
{
    public static void MapCheckEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost("/v1/check", CheckAsync);
        endpoints.MapGet("/v1/limits/{policy}/{**key}", GetAsync);
        endpoints.MapPost("/v1/release", ReleaseAsync);
    }

    private static async Task CheckAsync(HttpContext context, CheckAdmission admission, CheckValidator validator, PolicyRegistry policies,
        IOptions<SiloOptions> options)
    {
        var (requestId, badKey) = IdempotencyKey.Read(context.Request, validator);
        if (badKey is { } keyError)
        {
            await Problem.BadRequestAsync(context, keyError.Field, keyError.Message);
            return;
        }

        var body = await JsonBody.ReadAsync(context, HttpJsonContext.Default.CheckBody, options.Value.MaxRequestBodyBytes);
        if (body is null)
        {
            return;
        }

        if (body.Checks is null)
        {
            await Problem.BadRequestAsync(context, "checks", "is required: an array of {policy, key, cost}.");
            return;
        }

        var checks = new CheckRequest[body.Checks.Count];
        for (var i = 0; i < checks.Length; i++)
        {
            if (body.Checks[i] is not { } item)
            {
                await Problem.BadRequestAsync(context, $"checks[{i}]", "must be an object {policy, key, cost}.");
                return;
            }

            checks[i] = new CheckRequest(item.Policy!, item.Key!, item.Cost ?? 1);
        }

        if (validator.Validate(checks) is { } error)
        {
            await Problem.BadRequestAsync(context, error.Field, error.Message);
            return;
        }

        CheckOutcome outcome;
        try
        {
            // HTTP brings no deadline: GrainLimiter:CheckTimeout bounds the check.
            outcome = await admission.CheckAsync(BadRequests.Front.Http, checks, requestId, DateTime.MaxValue, context.RequestAborted);
        }
        catch (SiloOverloadedException e)
        {
            await Problem.OverloadedAsync(context, e);
            return;
        }
        context.Response.StatusCode = outcome.Allowed ? StatusCodes.Status200OK : StatusCodes.Status429TooManyRequests;
        RateLimitHeaders.Write(context.Response, policies, outcome);
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteBoolean("allowed", outcome.Allowed);
        json.WriteStartArray("results");
        foreach (var result in outcome.Results)
        {
            DecisionJson.WriteResult(json, result);
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static async Task GetAsync(HttpContext context, string policy, string key, ICheckPipeline limits, CheckValidator validator, PolicyRegistry policies)
    {
        if (validator.Validate(policy, key) is { } error)
        {
            await Problem.BadRequestAsync(context, error.Field, error.Message);
            return;
        }

        var result = await limits.GetAsync(policy, key, context.RequestAborted);
        RateLimitHeaders.Write(context.Response, policies, new CheckOutcome(result.Decision.Allowed, [result]));
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        DecisionJson.WriteResult(json, result);
    }

    private static async Task ReleaseAsync(HttpContext context, ICheckPipeline limits, CheckValidator validator, IOptions<SiloOptions> options)
    {
        var body = await JsonBody.ReadKeyAsync(context, validator, options.Value.MaxRequestBodyBytes);
        if (body is null)
        {
            return;
        }

        if (body.LeaseId is not > 0)
        {
            await Problem.BadRequestAsync(context, "leaseId", "is required: the leaseId a check returned.");
            return;
        }

        var result = await limits.ReleaseAsync(body.Policy!, body.Key!, body.LeaseId.Value, context.RequestAborted);
        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        DecisionJson.WriteResult(json, result);
    }
}
