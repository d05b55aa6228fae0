using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using GrainLimiter.Grpc;
using GrainLimiter.Silo.Runtime.Cluster;

namespace GrainLimiter.Silo.Tests.Runtime.Cluster;

/// <summary>Settings for an in-process silo in static membership, and a raw peer-API client (HTTP/2 h2c).</summary>
internal static class InProcessCluster
{
    public const string Secret = "in-process-secret-0123456789";

    public static Dictionary<string, string?> StaticSettings(int peerPort, string peers, IDictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Peer:Url"] = $"http://127.0.0.1:{peerPort.ToString(CultureInfo.InvariantCulture)}",
            ["Kestrel:Endpoints:Peer:Protocols"] = "Http2",
            ["GrainLimiter:Cluster:Membership"] = "static",
            ["GrainLimiter:Cluster:Peers"] = peers,
            ["GrainLimiter:Cluster:AdvertisedAddress"] = $"127.0.0.1:{peerPort.ToString(CultureInfo.InvariantCulture)}",
            ["GrainLimiter:Cluster:Secret"] = Secret,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        return settings;
    }

    public static string Address(int port) => $"127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>Calls a peer method; returns the grpc-status and the raw response message (null when none).</summary>
    public static async Task<(int Status, byte[]? Message)> CallAsync(int port, string method, IMessage request, string? secret)
    {
        using var http = new HttpClient(new SocketsHttpHandler()) { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var body = new System.Buffers.ArrayBufferWriter<byte>();
        GrpcFraming.WriteMessage(body, request, gzip: false);
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri($"http://127.0.0.1:{port}/{method}"))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(body.WrittenSpan.ToArray()),
        };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(GrpcProtocol.ContentType);
        if (secret is not null)
        {
            message.Headers.Add(ClusterOptions.SecretHeader, secret);
        }

        using var response = await http.SendAsync(message);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return (-404, null);
        }

        var payload = await response.Content.ReadAsByteArrayAsync();
        var status = response.Headers.TryGetValues(GrpcProtocol.StatusHeader, out var values) || response.TrailingHeaders.TryGetValues(GrpcProtocol.StatusHeader, out values)
            ? int.Parse(values.First(), CultureInfo.InvariantCulture)
            : -1;
        return (status, payload.Length > GrpcProtocol.FrameHeaderLength ? payload[GrpcProtocol.FrameHeaderLength..] : null);
    }
}
