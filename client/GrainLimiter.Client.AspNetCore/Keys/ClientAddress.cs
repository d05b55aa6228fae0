using System.Net;
using Microsoft.AspNetCore.Http;

namespace GrainLimiter.Client.AspNetCore.Keys;

/// <summary>The address of the client behind trusted proxies: <c>X-Forwarded-For</c> is believed only as far as it was
/// written by proxies in the trusted list, read from the right (the hop nearest to us) to the first untrusted address.</summary>
/// <remarks>Without trusted proxies the connection's address is the client: anyone can write an X-Forwarded-For header.</remarks>
public sealed class ClientAddress(IReadOnlyList<IPNetwork> trustedProxies)
{
    private const string ForwardedForHeader = "X-Forwarded-For";

    /// <summary>The client's address; null when the connection has none (in-memory test servers).</summary>
    public IPAddress? Of(HttpContext context)
    {
        var candidate = Normalize(context.Connection.RemoteIpAddress);
        if (candidate is null || !IsTrusted(candidate))
        {
            return candidate;
        }

        var values = context.Request.Headers[ForwardedForHeader];
        for (var v = values.Count - 1; v >= 0; v--)
        {
            var entries = (values[v] ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            for (var e = entries.Length - 1; e >= 0; e--)
            {
                if (Parse(entries[e]) is not { } hop)
                {
                    // Garbage written by someone we do not trust: stop at the last hop we could vouch for.
                    return candidate;
                }

                candidate = hop;
                if (!IsTrusted(hop))
                {
                    return hop;
                }
            }
        }

        return candidate;
    }

    private bool IsTrusted(IPAddress address)
    {
        foreach (var network in trustedProxies)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }

        return false;
    }

    private static IPAddress? Parse(string entry) =>
        IPAddress.TryParse(entry, out var address) ? Normalize(address)
        : IPEndPoint.TryParse(entry, out var endPoint) ? Normalize(endPoint.Address)
        : null;

    private static IPAddress? Normalize(IPAddress? address) => address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
}
