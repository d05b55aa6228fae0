using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using GrainLimiter.Grpc;

namespace GrainLimiter.Silo.Runtime.Cluster.Peers;

/// <summary>
/// One persistent HTTP/2 connection to one peer (h2c with prior knowledge: no TLS, no upgrade round trip), carrying
/// unary gRPC-framed calls with the cluster secret and a grpc-timeout deadline.
/// </summary>
/// <remarks>
/// One connection per peer so batches share it: HTTP/2 multiplexes the calls in flight, and the TCP window and
/// header compression state are paid once. Responses are read up to the message bound and no further.
/// </remarks>
internal sealed class PeerConnection : IDisposable
{
    private static readonly MediaTypeHeaderValue GrpcContentType = new(GrpcProtocol.ContentType);
    private readonly HttpClient _http;
    private readonly string _peer;
    private readonly string _secret;
    private readonly int _maxMessageBytes;

    public PeerConnection(string peer, string secret, TimeSpan connectTimeout, int maxMessageBytes)
    {
        _peer = peer;
        _secret = secret;
        _maxMessageBytes = maxMessageBytes;
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = false,
            ConnectTimeout = connectTimeout,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            KeepAlivePingDelay = TimeSpan.FromSeconds(10),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            UseProxy = false,
            AllowAutoRedirect = false,
            UseCookies = false,
        };
        _http = new HttpClient(handler)
        {
            BaseAddress = PeerAddress.ToUri(peer),
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public async Task<TResponse> CallAsync<TResponse>(string method, IMessage request, MessageParser<TResponse> parser, TimeSpan timeout, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var body = new ArrayBufferWriter<byte>(GrpcProtocol.FrameHeaderLength + request.CalculateSize());
        GrpcFraming.WriteMessage(body, request, gzip: false);
        using var message = new HttpRequestMessage(HttpMethod.Post, PeerProtocol.PathOf(method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ReadOnlyMemoryContent(body.WrittenMemory),
        };
        message.Content.Headers.ContentType = GrpcContentType;
        message.Headers.TryAddWithoutValidation("te", "trailers");
        message.Headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(timeout));
        message.Headers.TryAddWithoutValidation(ClusterOptions.SecretHeader, _secret);
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
            ThrowOnStatus(response.Headers, trailersOnly: true);
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new PeerUnavailableException(_peer, $"HTTP {(int)response.StatusCode}");
            }

            var payload = await ReadBoundedAsync(response, deadline.Token).ConfigureAwait(false);
            ThrowOnStatus(response.TrailingHeaders, trailersOnly: false);
            var sequence = new ReadOnlySequence<byte>(payload);
            if (GrpcFraming.TryRead(ref sequence, _maxMessageBytes, out var frame, out _) != GrpcFrameReadResult.Frame || frame.Compressed)
            {
                throw new PeerUnavailableException(_peer, "malformed response frame");
            }

            return parser.ParseFrom(frame.Payload);
        }
        catch (OperationCanceledException e) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new PeerUnavailableException(_peer, $"no answer within the {timeout.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms deadline", e);
        }
        catch (Exception e) when (e is HttpRequestException or IOException or InvalidProtocolBufferException)
        {
            throw new PeerUnavailableException(_peer, e.Message, e);
        }
    }

    private async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var limit = GrpcProtocol.FrameHeaderLength + _maxMessageBytes;
        await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new ArrayBufferWriter<byte>(4096);
        while (true)
        {
            var read = await stream.ReadAsync(buffer.GetMemory(4096), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                return buffer.WrittenSpan.ToArray();
            }

            buffer.Advance(read);
            if (buffer.WrittenCount > limit)
            {
                throw new PeerUnavailableException(_peer, $"response larger than {_maxMessageBytes} bytes");
            }
        }
    }

    private void ThrowOnStatus(HttpHeaders headers, bool trailersOnly)
    {
        if (!headers.TryGetValues(GrpcProtocol.StatusHeader, out var values))
        {
            if (!trailersOnly)
            {
                throw new PeerUnavailableException(_peer, "response ended without grpc-status");
            }

            return;
        }

        var status = values.FirstOrDefault();
        if (status != "0")
        {
            var detail = headers.TryGetValues(GrpcProtocol.MessageHeader, out var messages) ? GrpcStatusMessage.Decode(messages.FirstOrDefault() ?? "") : "";
            throw new PeerUnavailableException(_peer, $"grpc-status {status}: {detail}");
        }
    }

    public void Dispose() => _http.Dispose();
}
