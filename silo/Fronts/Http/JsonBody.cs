using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using GrainLimiter.Silo.Checks;

namespace GrainLimiter.Silo.Fronts.Http;

/// <summary>Reads a bounded JSON request body, answering 400 with the offending field when it is not usable.</summary>
internal static class JsonBody
{
    /// <returns>The body, or null after a 400 has been written.</returns>
    public static async Task<T?> ReadAsync<T>(HttpContext context, JsonTypeInfo<T> type, int maxBytes) where T : class
    {
        var reader = context.Request.BodyReader;
        ReadResult read;
        while (true)
        {
            read = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
            if (read.Buffer.Length > maxBytes)
            {
                reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
                await Problem.BodyTooLargeAsync(context, maxBytes).ConfigureAwait(false);
                return null;
            }

            if (read.IsCompleted)
            {
                break;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        try
        {
            var value = Deserialize(read.Buffer, type);
            if (value is null)
            {
                await Problem.BadRequestAsync(context, "body", "must be a JSON object.", BadRequests.Reason.Unparsable).ConfigureAwait(false);
            }

            return value;
        }
        catch (JsonException e)
        {
            await Problem.BadRequestAsync(context, FieldOf(e.Path), $"is not valid: {Describe(e)}", BadRequests.Reason.Unparsable).ConfigureAwait(false);
            return null;
        }
        finally
        {
            reader.AdvanceTo(read.Buffer.End);
        }
    }

    /// <summary>Reads a <c>{policy, key}</c> body and validates the pair; null after a 400 has been written.</summary>
    public static async Task<KeyBody?> ReadKeyAsync(HttpContext context, CheckValidator validator, int maxBytes)
    {
        var body = await ReadAsync(context, HttpJsonContext.Default.KeyBody, maxBytes).ConfigureAwait(false);
        if (body is not null && validator.Validate(body.Policy, body.Key) is { } error)
        {
            await Problem.BadRequestAsync(context, error.Field, error.Message).ConfigureAwait(false);
            return null;
        }

        return body;
    }

    private static T? Deserialize<T>(ReadOnlySequence<byte> body, JsonTypeInfo<T> type)
    {
        var json = new Utf8JsonReader(body);
        return JsonSerializer.Deserialize(ref json, type);
    }

    // "$.checks[0].cost" -> "checks[0].cost"
    private static string FieldOf(string? path) => string.IsNullOrEmpty(path) || path == "$" ? "body" : path.TrimStart('$', '.');

    private static string Describe(JsonException e) =>
        e.Message.Contains("could not be converted", StringComparison.Ordinal)
            ? "it has the wrong type (numbers must be whole and in range, strings quoted)."
            : $"malformed JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).";
}
