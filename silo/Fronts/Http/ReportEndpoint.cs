using System.Text.Json;
using GrainLimiter.Adaptive;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Checks;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Http;

/// <summary><c>POST /v1/report</c>: how admitted requests fared, for adaptive limits (as gRPC <c>Report</c>).</summary>
/// <remarks>200 <c>{"accepted":N}</c>, the outcomes an adaptive limit counted; 400 naming the field (nothing counted);
/// 503 when some key's grain could not be reached (outcomes are advisory: the caller should not send them again).</remarks>
internal static class ReportEndpoint
{
    public static void MapReportEndpoint(this IEndpointRouteBuilder endpoints) => endpoints.MapPost("/v1/report", ReportAsync);

    private static async Task ReportAsync(HttpContext context, ICheckPipeline limits, OutcomeValidator validator, IOptions<SiloOptions> options)
    {
        var body = await JsonBody.ReadAsync(context, HttpJsonContext.Default.ReportBody, options.Value.MaxRequestBodyBytes);
        if (body is null)
        {
            return;
        }

        if (body.Outcomes is null)
        {
            await Problem.BadRequestAsync(context, "outcomes", "is required: an array of {policy, key, failed, latencyMs, status}.");
            return;
        }

        // Bounded before anything is allocated for the items.
        if (body.Outcomes.Count > validator.MaxOutcomes)
        {
            var tooMany = validator.TooMany(body.Outcomes.Count);
            await Problem.BadRequestAsync(context, tooMany.Field, tooMany.Message);
            return;
        }

        var outcomes = new RequestOutcome[body.Outcomes.Count];
        for (var i = 0; i < outcomes.Length; i++)
        {
            if (body.Outcomes[i] is not { } item)
            {
                await Problem.BadRequestAsync(context, $"outcomes[{i}]", "must be an object {policy, key, failed, latencyMs, status}.");
                return;
            }

            if (item.LatencyMs is { } ms && OutcomeValidator.ValidateLatency(ms, $"outcomes[{i}].latencyMs") is { } badLatency)
            {
                await Problem.BadRequestAsync(context, badLatency.Field, badLatency.Message);
                return;
            }

            TimeSpan? latency = item.LatencyMs is { } milliseconds ? TimeSpan.FromTicks((long)Math.Round(milliseconds * TimeSpan.TicksPerMillisecond)) : null;
            outcomes[i] = new RequestOutcome(item.Policy!, item.Key!, item.Failed ?? false, latency, item.Status ?? 0);
        }

        if (validator.Validate(outcomes) is { } error)
        {
            await Problem.BadRequestAsync(context, error.Field, error.Message);
            return;
        }

        var result = await limits.ReportAsync(outcomes, context.RequestAborted);
        if (result.Unreachable)
        {
            await Problem.WriteAsync(context, StatusCodes.Status503ServiceUnavailable, "Outcomes not counted", null, LimiterFront.Unreachable(result));
            return;
        }

        context.Response.ContentType = "application/json";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteNumber("accepted", result.Accepted);
        json.WriteEndObject();
    }
}
