using System.Buffers;
using System.IO.Pipelines;
using GrainLimiter.Grpc;
using GrainLimiter.Silo.Config;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>
/// Serves unary gRPC calls on Kestrel HTTP/2: checks the protocol, content type, encoding and deadline,
/// reads exactly one length-prefixed message, runs the method and answers with <c>grpc-status</c> trailers.
/// </summary>
/// <remarks>Errors before a response message are sent trailers-only (status in the headers), as gRPC servers do.</remarks>
internal sealed partial class GrpcCallHandler(
    GrpcMethodTable methods,
    IOptions<SiloOptions> siloOptions,
    IOptions<GrpcFrontOptions> options,
    ILogger<GrpcCallHandler> logger)
{
    private readonly int _maxMessageBytes = siloOptions.Value.MaxRequestBodyBytes;
    private readonly bool _gzipResponses = options.Value.GzipResponses;

    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            WriteStatusHeaders(response, GrpcStatusCode.Internal, $"Content-Type '{request.ContentType}' is not supported; gRPC requires '{GrpcProtocol.ContentType}'.");
            return;
        }

        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            WriteStatusHeaders(response, GrpcStatusCode.Internal, $"gRPC requires HTTP/2; this request is {request.Protocol}.");
            return;
        }

        response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
        if (!methods.TryGet(request.Path.Value ?? "", out var method))
        {
            Fail(response, GrpcStatusCode.Unimplemented, $"method '{Truncate(request.Path.Value)}' is not implemented by this server.");
            return;
        }

        var encoding = request.Headers[GrpcProtocol.EncodingHeader].ToString();
        if (encoding.Length == 0)
        {
            encoding = GrpcProtocol.IdentityEncoding;
        }
        else if (!encoding.Equals(GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase)
                 && !encoding.Equals(GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase))
        {
            Fail(response, GrpcStatusCode.Unimplemented, $"grpc-encoding '{Truncate(encoding)}' is not supported; supported: {GrpcProtocol.SupportedEncodings}.");
            return;
        }

        TimeSpan? timeout = null;
        var timeoutHeader = request.Headers[GrpcProtocol.TimeoutHeader].ToString();
        if (timeoutHeader.Length > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutHeader, out var parsed))
            {
                Fail(response, GrpcStatusCode.InvalidArgument, $"grpc-timeout '{Truncate(timeoutHeader)}' is malformed: expected 1 to 8 digits and a unit H, M, S, m, u or n.");
                return;
            }

            if (parsed <= TimeSpan.Zero)
            {
                Fail(response, GrpcStatusCode.DeadlineExceeded, "deadline already expired (grpc-timeout is zero).");
                return;
            }

            timeout = parsed;
        }

        var gzipResponse = GrpcProtocol.AcceptsEncoding(request.Headers[GrpcProtocol.AcceptEncodingHeader], GrpcProtocol.GzipEncoding)
            && (_gzipResponses || encoding.Equals(GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase));

        // A linked source (an allocation and a registration per call) only when the caller set a deadline.
        using var deadline = timeout is null ? null : CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        deadline?.CancelAfter(timeout!.Value);
        var cancellationToken = deadline?.Token ?? context.RequestAborted;

        try
        {
            var frame = await ReadSingleFrameAsync(request.BodyReader, cancellationToken).ConfigureAwait(false);
            var payload = GrpcFraming.Decode(frame, encoding, _maxMessageBytes);
            var reply = await method.InvokeAsync(payload, cancellationToken).ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();

            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = GrpcProtocol.ContentType;
            if (gzipResponse)
            {
                response.Headers[GrpcProtocol.EncodingHeader] = GrpcProtocol.GzipEncoding;
            }

            GrpcFraming.WriteMessage(response.BodyWriter, reply, gzipResponse);
            response.AppendTrailer(GrpcProtocol.StatusHeader, "0");
            await response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (GrpcStatusException e)
        {
            Fail(response, e.Status, e.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller cancelled or went away: nobody is left to answer.
        }
        catch (OperationCanceledException) when (deadline?.IsCancellationRequested == true)
        {
            Fail(response, GrpcStatusCode.DeadlineExceeded, $"deadline of {timeoutHeader} (grpc-timeout) passed before the call completed.");
        }
        catch (Exception e)
        {
            Log.CallFailed(logger, method.Path, e);
            Fail(response, GrpcStatusCode.Internal, "internal error; see the silo log.");
        }
    }

    private async ValueTask<GrpcFrame> ReadSingleFrameAsync(PipeReader reader, CancellationToken cancellationToken)
    {
        GrpcFrame? frame = null;
        while (true)
        {
            var result = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (frame is null)
            {
                switch (GrpcFraming.TryRead(ref buffer, _maxMessageBytes, out var read, out var announced))
                {
                    case GrpcFrameReadResult.Frame:
                        // Copied: the pipe's memory is given back before the message is parsed.
                        frame = new GrpcFrame(read.Compressed, new ReadOnlySequence<byte>(read.Payload.ToArray()));
                        break;
                    case GrpcFrameReadResult.TooLarge:
                        throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted,
                            $"request message is {announced} bytes; the maximum is {_maxMessageBytes} bytes.");
                    case GrpcFrameReadResult.BadFlag:
                        throw new GrpcStatusException(GrpcStatusCode.InvalidArgument,
                            $"malformed frame: compressed flag is {buffer.FirstSpan[0]}; it must be 0 or 1.");
                    default:
                        if (result.IsCompleted)
                        {
                            throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, Truncated(buffer.Length, announced));
                        }

                        reader.AdvanceTo(buffer.Start, buffer.End);
                        continue;
                }
            }

            if (!buffer.IsEmpty)
            {
                throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "request carries more than one message; unary methods take exactly one.");
            }

            reader.AdvanceTo(buffer.End);
            if (result.IsCompleted)
            {
                return frame.Value;
            }
        }
    }

    private static string Truncated(long buffered, long announced) => buffered switch
    {
        0 => "request has no message; a unary call carries exactly one.",
        < GrpcProtocol.FrameHeaderLength => $"malformed frame: request ends inside the 5-byte frame header ({buffered} bytes).",
        _ => $"malformed frame: the frame announces {announced} bytes but the request ends after {buffered - GrpcProtocol.FrameHeaderLength}.",
    };

    private static void Fail(HttpResponse response, GrpcStatusCode status, string message)
    {
        if (response.HasStarted)
        {
            response.AppendTrailer(GrpcProtocol.StatusHeader, ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture));
            response.AppendTrailer(GrpcProtocol.MessageHeader, GrpcStatusMessage.Encode(message));
            return;
        }

        // Trailers-only: the status travels in the one HEADERS frame that ends the stream.
        response.StatusCode = StatusCodes.Status200OK;
        WriteStatusHeaders(response, status, message);
    }

    private static void WriteStatusHeaders(HttpResponse response, GrpcStatusCode status, string message)
    {
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = ((int)status).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[GrpcProtocol.MessageHeader] = GrpcStatusMessage.Encode(message);
    }

    private static string Truncate(string? value) => value is null ? "" : value.Length <= 128 ? value : value[..128] + "…";
}
