using System.Net;
using System.Security.Claims;
using GrainLimiter.Client.AspNetCore.Keys;
using Microsoft.AspNetCore.Http;

namespace GrainLimiter.Client.Tests.GrainLimiter.Client.AspNetCore.Keys;

public sealed class RequestKeysTests
{
    private static readonly IPNetwork[] Proxies = [IPNetwork.Parse("10.0.0.0/8")];

    private static DefaultHttpContext Request(string remote, params string[] forwardedFor)
    {
        var context = new DefaultHttpContext();
        context.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        if (forwardedFor.Length > 0)
        {
            context.Request.Headers["X-Forwarded-For"] = forwardedFor;
        }

        return context;
    }

    [Fact]
    public void ForwardedForFromAnUntrustedPeerIsIgnored() =>
        Assert.Equal("ip:198.51.100.1", RequestKeys.ClientIp(Proxies)(Request("198.51.100.1", "203.0.113.9")));

    [Fact]
    public void ATrustedProxyNamesTheClient() =>
        Assert.Equal("ip:203.0.113.9", RequestKeys.ClientIp(Proxies)(Request("10.0.0.1", "203.0.113.9, 10.0.0.2")));

    [Fact]
    public void ASpoofedLeftmostEntryDoesNotWin() =>
        Assert.Equal("ip:203.0.113.9", RequestKeys.ClientIp(Proxies)(Request("10.0.0.1", "1.1.1.1, 203.0.113.9")));

    [Fact]
    public void EntriesAcrossSeveralHeadersAreReadFromTheRight() =>
        Assert.Equal("ip:203.0.113.9", RequestKeys.ClientIp(Proxies)(Request("10.0.0.1", "1.1.1.1", "203.0.113.9:4711, 10.0.0.7")));

    [Fact]
    public void GarbageStopsAtTheLastTrustedHop() =>
        Assert.Equal("ip:10.0.0.7", RequestKeys.ClientIp(Proxies)(Request("10.0.0.1", "not-an-ip, 10.0.0.7")));

    [Fact]
    public void IPv4MappedAddressesAreNormalised() =>
        Assert.Equal("ip:198.51.100.1", RequestKeys.ClientIp()(Request("::ffff:198.51.100.1")));

    [Fact]
    public void ApiKeysAreFingerprintedNotSentToTheCluster()
    {
        var context = new DefaultHttpContext();
        context.Request.Headers["X-Api-Key"] = "sk_live_secret";

        var key = RequestKeys.ApiKey()(context);

        Assert.StartsWith("apikey:", key, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", key, StringComparison.Ordinal);
        Assert.Equal("apikey:".Length + 32, key!.Length);
        Assert.Equal(key, RequestKeys.ApiKey()(context));
    }

    [Fact]
    public void UsersAreKeyedOnlyWhenAuthenticated()
    {
        var anonymous = new DefaultHttpContext();
        var signedIn = new DefaultHttpContext { User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "42")], "test")) };

        Assert.Null(RequestKeys.User()(anonymous));
        Assert.Equal("user:42", RequestKeys.User()(signedIn));
    }

    [Fact]
    public void CombinedKeysJoinPartsAndAreNullWhenAPartIs()
    {
        var context = new DefaultHttpContext { User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, "42")], "test")) };
        context.Request.Method = "GET";

        Assert.Equal("user:42|endpoint:GET unmatched", RequestKeys.Combine(RequestKeys.User(), RequestKeys.Endpoint())(context));
        Assert.Null(RequestKeys.Combine(RequestKeys.User(), RequestKeys.ApiKey())(context));
    }
}
