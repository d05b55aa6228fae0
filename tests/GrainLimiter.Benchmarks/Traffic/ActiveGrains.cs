using System.Globalization;

namespace GrainLimiter.Benchmarks.Traffic;

/// <summary>A silo's <c>grainlimiter_active_grains</c> gauge, read from its <c>GET /metrics</c>: the limit grains active in it.</summary>
internal static class ActiveGrains
{
    private const string Gauge = "grainlimiter_active_grains";

    /// <summary>The gauge's value, or null when the silo did not answer or does not export it.</summary>
    public static async Task<long?> ReadAsync(HttpClient client, Uri silo, CancellationToken cancellationToken)
    {
        try
        {
            var text = await client.GetStringAsync(new Uri(silo, "/metrics"), cancellationToken).ConfigureAwait(false);
            // "grainlimiter_active_grains{otel_scope_name="GrainLimiter"} 1234 1733580000000"
            var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(Gauge, StringComparison.Ordinal)
                && l.Length > Gauge.Length && l[Gauge.Length] is '{' or ' ');
            return line is null ? null : (long)double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return null;
        }
    }
}
