using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace GrainLimiter.Client.AspNetCore.Keys;

/// <summary>Ready-made key selectors: user, API key, client IP, endpoint, and their combination.</summary>
public static class RequestKeys
{
    /// <summary>The authenticated user (<c>user:{id}</c>, from the claim); null for anonymous requests.</summary>
    public static RequestKeySelector User(string claimType = ClaimTypes.NameIdentifier) =>
        context => context.User.Identity?.IsAuthenticated == true && context.User.FindFirst(claimType)?.Value is { Length: > 0 } id ? "user:" + id : null;

    /// <summary>The API key of a header (<c>apikey:{hash}</c>); null without one. The key is hashed (SHA-256, 128 bits kept) so the
    /// secret never reaches the cluster, its store or its logs, and the cluster key has a fixed length however long the header is.</summary>
    public static RequestKeySelector ApiKey(string header = "X-Api-Key") =>
        context => context.Request.Headers[header].ToString() is { Length: > 0 } apiKey ? "apikey:" + Fingerprint(apiKey) : null;

    /// <summary>The client IP (<c>ip:{address}</c>), believing <c>X-Forwarded-For</c> only from <paramref name="trustedProxies"/>.</summary>
    public static RequestKeySelector ClientIp(params IPNetwork[] trustedProxies)
    {
        var resolver = new ClientAddress(trustedProxies);
        return context => resolver.Of(context) is { } address ? "ip:" + address : null;
    }

    /// <summary>The matched endpoint (<c>endpoint:{METHOD} {route pattern}</c>), never the raw path, so clients cannot mint keys.</summary>
    public static RequestKeySelector Endpoint() =>
        context => "endpoint:" + context.Request.Method + " " + (context.GetEndpoint() is RouteEndpoint route ? route.RoutePattern.RawText : "unmatched");

    /// <summary>One key made of several (<c>user:42|endpoint:GET /orders</c>); null when any part is null.</summary>
    public static RequestKeySelector Combine(params RequestKeySelector[] parts) =>
        context =>
        {
            var builder = new StringBuilder();
            foreach (var part in parts)
            {
                if (part(context) is not { } key)
                {
                    return null;
                }

                builder.Append(builder.Length == 0 ? "" : "|").Append(key);
            }

            return builder.ToString();
        };

    /// <summary>A stable, non-reversible short form of a secret.</summary>
    public static string Fingerprint(string secret)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), hash);
        return Convert.ToHexStringLower(hash[..16]);
    }
}
