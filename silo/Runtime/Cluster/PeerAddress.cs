using System.Globalization;

namespace GrainLimiter.Silo.Runtime.Cluster;

/// <summary>Peer addresses are <c>host:port</c> strings: they name silos on the ring and in the membership table.</summary>
public static class PeerAddress
{
    public static bool TryParse(string? address, out (string Host, int Port) parsed)
    {
        parsed = default;
        if (string.IsNullOrWhiteSpace(address) || address.Length > 255)
        {
            return false;
        }

        var colon = address.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }

        parsed = (address[..colon].Trim('[', ']'), port);
        return true;
    }

    /// <summary>A comma-separated list; null when it is empty or any entry is not <c>host:port</c>.</summary>
    public static IReadOnlyList<string>? ParseList(string? list)
    {
        var entries = (list ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return entries.Length > 0 && entries.All(e => TryParse(e, out _)) ? entries.Distinct(StringComparer.Ordinal).ToArray() : null;
    }

    /// <summary>The HTTP/2 base address of a peer.</summary>
    public static Uri ToUri(string address)
    {
        TryParse(address, out var parsed);
        var host = parsed.Host.Contains(':', StringComparison.Ordinal) ? $"[{parsed.Host}]" : parsed.Host;
        return new Uri($"http://{host}:{parsed.Port.ToString(CultureInfo.InvariantCulture)}/");
    }

    public static string Format(string host, int port) =>
        host.Contains(':', StringComparison.Ordinal) ? $"[{host}]:{port.ToString(CultureInfo.InvariantCulture)}" : $"{host}:{port.ToString(CultureInfo.InvariantCulture)}";
}
