using System.Buffers;
using System.Globalization;
using System.Net;
using Google.Protobuf;
using GrainLimiter.Grpc;

namespace GrainLimiter.Client.Transport;

/// <summary>Unary gRPC calls over HTTP/2 cleartext (prior knowledge), one pooled connection set shared by every call.</summary>
/// <remarks>
/// gRPC needs HTTP/2 and trailers, which <see cref="SocketsHttpHandler"/> gives with <see cref="HttpVersionPolicy.RequestVersionExact"/>;
/// messages use the same framing as the silo (<see cref="GrpcFraming"/>). Grpc.Net.Client does not restore here.
/// </remarks>
internal sealed class GrpcUnaryInvoker : IDisposable
{
    private readonly HttpMessageInvoker _http;
    private readonly int _maxMessageBytes;

    public GrpcUnaryInvoker(int maxMessageBytes, HttpMessageHandler? handler = null)
    {
        _maxMessageBytes = maxMessageBytes;
        _http = new HttpMessageInvoker(handler ?? new SocketsHttpHandler
        {
            // Several connections once one is saturated (HTTP/2 caps concurrent streams per connection).
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            ConnectTimeout = TimeSpan.FromSeconds(5),
            // Keeps idle connections alive through NATs and detects dead silos between calls.
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.WithActiveRequests,
            UseProxy = false,
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
        }, disposeHandler: true);
    }

    /// <summary>Sends <paramref name="request"/> and parses the single response message.</summary>
    /// <param name="grpcTimeout">The <c>grpc-timeout</c> header value, formatted once by the caller.</param>
    /// <exception cref="GrpcStatusException">The call ended with a non-OK status (UNAVAILABLE for HTTP-level failures).</exception>
    /// <exception cref="HttpRequestException">The silo could not be reached.</exception>
    public async ValueTask<TResponse> CallAsync<TResponse>(SiloEndpoint endpoint, LimiterMethod method, IMessage request, MessageParser<TResponse> parser,
        string grpcTimeout, CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, endpoint.UriOf(method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new GrpcRequestContent(request),
        };
        var headers = message.Headers;
        headers.TryAddWithoutValidation("TE", "trailers");
        headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, grpcTimeout);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.SupportedEncodings);

        using var response = await _http.SendAsync(message, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new GrpcStatusException(StatusOfHttp(response.StatusCode), $"silo {endpoint.Address} answered HTTP {(int)response.StatusCode}.");
        }

        // Trailers-only: an error before any message travels in the headers.
        if (TryReadStatus(response.Headers, out var headerStatus, out var headerMessage) && headerStatus != GrpcStatusCode.OK)
        {
            throw new GrpcStatusException(headerStatus, headerMessage);
        }

        var encoding = response.Headers.TryGetValues(GrpcProtocol.EncodingHeader, out var encodings) ? encodings.FirstOrDefault() ?? "" : GrpcProtocol.IdentityEncoding;
        var result = await ReadMessageAsync(response, parser, encoding, cancellationToken).ConfigureAwait(false);

        if (!TryReadStatus(response.TrailingHeaders, out var status, out var statusMessage))
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, $"silo {endpoint.Address} ended the call without grpc-status.");
        }

        if (status != GrpcStatusCode.OK)
        {
            throw new GrpcStatusException(status, statusMessage);
        }

        return result ?? throw new GrpcStatusException(GrpcStatusCode.Internal, $"silo {endpoint.Address} answered OK without a message.");
    }

    private async ValueTask<TResponse?> ReadMessageAsync<TResponse>(HttpResponseMessage response, MessageParser<TResponse> parser, string encoding,
        CancellationToken cancellationToken)
        where TResponse : IMessage<TResponse>
    {
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using var streamScope = stream.ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(512);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (buffer.Length >= _maxMessageBytes + GrpcProtocol.FrameHeaderLength)
                    {
                        throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted, $"response is larger than {_maxMessageBytes} bytes.");
                    }

                    var larger = ArrayPool<byte>.Shared.Rent(buffer.Length * 2);
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                length += read;
            }

            if (length == 0)
            {
                return default;
            }

            var sequence = new ReadOnlySequence<byte>(buffer, 0, length);
            var outcome = GrpcFraming.TryRead(ref sequence, _maxMessageBytes, out var frame, out _);
            if (outcome != GrpcFrameReadResult.Frame || !sequence.IsEmpty)
            {
                throw new GrpcStatusException(GrpcStatusCode.Internal, $"malformed response body ({outcome}, {length} bytes).");
            }

            return parser.ParseFrom(GrpcFraming.Decode(frame, encoding, _maxMessageBytes));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static bool TryReadStatus(System.Net.Http.Headers.HttpHeaders headers, out GrpcStatusCode status, out string message)
    {
        status = GrpcStatusCode.Unknown;
        message = "";
        if (!headers.TryGetValues(GrpcProtocol.StatusHeader, out var values))
        {
            return false;
        }

        status = int.TryParse(values.FirstOrDefault(), NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? (GrpcStatusCode)code : GrpcStatusCode.Unknown;
        if (headers.TryGetValues(GrpcProtocol.MessageHeader, out var messages))
        {
            message = GrpcStatusMessage.Decode(messages.FirstOrDefault() ?? "");
        }

        return true;
    }

    // The gRPC spec's mapping of HTTP statuses a proxy or a non-gRPC server may answer.
    private static GrpcStatusCode StatusOfHttp(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => GrpcStatusCode.Internal,
        HttpStatusCode.Unauthorized => GrpcStatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => GrpcStatusCode.PermissionDenied,
        HttpStatusCode.NotFound => GrpcStatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };

    public void Dispose() => _http.Dispose();
}
