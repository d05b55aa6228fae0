using System.Net;
using System.Net.Http.Headers;
using GrainLimiter.Grpc;
using GrainLimiter.Protocol.V1;
using Google.Protobuf;

namespace GrainLimiter.Benchmarks.Load.Contenders;

/// <summary>
/// GrainLimiter through gRPC <c>grainlimiter.v1.Limiter/Check</c>: HttpClient's SocketsHttpHandler over h2c (HTTP/2 with
/// prior knowledge), a few connections shared by the calls in flight, frames written and read with the shared
/// framing of interfaces/Grpc. Deliberately minimal: not the client library.
/// </summary>
internal sealed class GrpcCheckContender : Contender
{
    private static readonly MediaTypeHeaderValue GrpcContentType = new(GrpcProtocol.ContentType);

    private readonly Uri _check;
    private readonly HttpMessageInvoker[] _connections;
    private readonly int _batch;
    private int _next;

    public GrpcCheckContender(Uri silo, int batch, int connections)
    {
        _check = new Uri(silo, "/grainlimiter.v1.Limiter/Check");
        _batch = batch;
        // One handler per connection: a handler opens a second HTTP/2 connection only past the server's stream limit.
        _connections = Enumerable.Range(0, connections).Select(_ => new HttpMessageInvoker(new SocketsHttpHandler
        {
            UseProxy = false,
            EnableMultipleHttp2Connections = true,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        })).ToArray();
    }

    public override string Name => $"GrainLimiter gRPC Check, batch {_batch}";

    public override int DecisionsPerCall => _batch;

    public override async ValueTask<int> CallAsync(string[] keys, LimitKind limit, CancellationToken cancellationToken)
    {
        var message = new CheckRequest();
        var policy = limit == LimitKind.Open ? Processes.SiloProcess.OpenPolicy : Processes.SiloProcess.AccuracyPolicy;
        foreach (var key in keys)
        {
            message.Checks.Add(new Hit { Policy = policy, Key = key, Cost = 1 });
        }

        var size = message.CalculateSize();
        var frame = new byte[GrpcProtocol.FrameHeaderLength + size];
        GrpcFraming.WriteHeader(frame, size, compressed: false);
        message.WriteTo(frame.AsSpan(GrpcProtocol.FrameHeaderLength));

        using var request = new HttpRequestMessage(HttpMethod.Post, _check)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame) { Headers = { ContentType = GrpcContentType } },
        };
        request.Headers.TE.ParseAdd("trailers");
        var connection = _connections[(uint)Interlocked.Increment(ref _next) % (uint)_connections.Length];
        using var response = await connection.SendAsync(request, cancellationToken).ConfigureAwait(false);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var status = Header(response, GrpcProtocol.StatusHeader);
        if (response.StatusCode != HttpStatusCode.OK || status != "0")
        {
            throw new HttpRequestException($"gRPC Check failed: HTTP {(int)response.StatusCode}, grpc-status {status ?? "missing"}, {Header(response, GrpcProtocol.MessageHeader)}");
        }

        var buffer = new System.Buffers.ReadOnlySequence<byte>(body);
        if (GrpcFraming.TryRead(ref buffer, int.MaxValue, out var read, out _) != GrpcFrameReadResult.Frame)
        {
            throw new HttpRequestException("gRPC Check answered without a whole message.");
        }

        var reply = CheckResponse.Parser.ParseFrom(read.Payload);
        return reply.Allowed ? reply.Decisions.Count : 0;
    }

    public override ValueTask DisposeAsync()
    {
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }

        return ValueTask.CompletedTask;
    }

    // Trailers normally; the headers for a trailers-only error answer.
    private static string? Header(HttpResponseMessage response, string name) =>
        response.TrailingHeaders.TryGetValues(name, out var values) || response.Headers.TryGetValues(name, out values) ? values.FirstOrDefault() : null;
}
