using GrainLimiter.Silo.Checks;

namespace GrainLimiter.Silo.Fronts.Http;

/// <summary>The <c>Idempotency-Key</c> request header of <c>POST /v1/check</c> (IETF httpapi draft "The Idempotency-Key HTTP Header
/// Field"): names a check so that its retry, sent again with the same key to any silo, is answered as the first attempt was
/// instead of charged again.</summary>
internal static class IdempotencyKey
{
    public const string Header = "Idempotency-Key";

    /// <summary>The check's request id (null without the header), or the problem with the header.</summary>
    /// <remarks>The draft's value is a structured-field string, <c>"8e03978e-40d5-43e8-bc93-6894a57f9324"</c>: its quotes are not part
    /// of the id; a value sent without quotes is taken as it is.</remarks>
    public static (string? Id, ValidationError? Error) Read(HttpRequest request, CheckValidator validator)
    {
        var values = request.Headers[Header];
        if (values.Count == 0)
        {
            return (null, null);
        }

        var value = values[0]!.Trim();
        var quoted = value.Length >= 2 && value[0] == '"' && value[^1] == '"';
        if (quoted)
        {
            value = value[1..^1];
        }

        // Several headers, or one listing several values (a client joins repeated headers with commas): no single id.
        if (values.Count > 1 || value.Contains(quoted ? '"' : ','))
        {
            return (null, new(Header, "must be sent once, with one value."));
        }

        if (value.Length == 0)
        {
            return (null, new(Header, "must not be empty."));
        }

        return validator.ValidateRequestId(value, Header) is { } error ? (null, error) : (value, null);
    }
}
