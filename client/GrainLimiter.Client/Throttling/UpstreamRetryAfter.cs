using System.Net.Http.Headers;

namespace GrainLimiter.Client.Throttling;

/// <summary>Reads an upstream's <c>Retry-After</c> (seconds or an HTTP date) as a delay from now.</summary>
public static class UpstreamRetryAfter
{
    /// <summary>The delay the response asks for; null when it has no usable <c>Retry-After</c>.</summary>
    public static TimeSpan? Of(HttpResponseMessage response, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(response);
        return Of(response.Headers.RetryAfter, (time ?? TimeProvider.System).GetUtcNow());
    }

    /// <summary>The delay of a parsed header at <paramref name="now"/>; never negative.</summary>
    public static TimeSpan? Of(RetryConditionHeaderValue? header, DateTimeOffset now) => header switch
    {
        { Delta: { } delta } => delta < TimeSpan.Zero ? TimeSpan.Zero : delta,
        { Date: { } date } => date > now ? date - now : TimeSpan.Zero,
        _ => null,
    };
}
