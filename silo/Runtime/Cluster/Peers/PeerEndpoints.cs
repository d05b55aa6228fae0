using System.Buffers;
using System.Globalization;
using System.Text;
using Google.Protobuf;
using GrainLimiter.Decisions;
using GrainLimiter.Grpc;
using GrainLimiter.Membership;
using GrainLimiter.Protocol.Peer.V1;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Runtime.Cluster.Membership;
using GrainLimiter.Storage;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Runtime.Cluster.Peers;

/// <summary>
/// Serves the peer API (<c>grainlimiter.peer.v1.Peer</c>) on the peer port only, to callers presenting the cluster secret.
/// Decide runs each operation on the local catalog when this silo owns the key, and answers NOT_OWNER otherwise.
/// </summary>
/// <remarks>
/// Everything a peer sends is bounded: the message size (<see cref="ClusterOptions.MaxPeerMessageBytes"/>), the operations
/// per call (<see cref="PeerProtocol.MaxOpsPerBatch"/>), each key and cost (the front's limits).
/// </remarks>
internal sealed partial class PeerEndpoints(
    ClusterMembership membership,
    GrainCatalog catalog,
    PolicyRegistry policies,
    PeerAuthentication authentication,
    IOptions<ClusterOptions> options,
    IOptions<SiloOptions> siloOptions,
    IConfiguration configuration,
    TimeProvider time,
    ILogger<PeerEndpoints> logger)
{
    private readonly int _maxMessageBytes = options.Value.MaxPeerMessageBytes;
    private readonly SiloOptions _silo = siloOptions.Value;
    private readonly int _peerPort = new Uri(configuration["Kestrel:Endpoints:Peer:Url"]!.Replace("*", "localhost", StringComparison.Ordinal).Replace("+", "localhost", StringComparison.Ordinal)).Port;

    public static void Map(IEndpointRouteBuilder endpoints)
    {
        var handler = endpoints.ServiceProvider.GetRequiredService<PeerEndpoints>();
        endpoints.MapPost($"/{PeerProtocol.Service}/{{method}}", handler.HandleAsync);
    }

    public async Task HandleAsync(HttpContext context, string method)
    {
        // The peer API exists only on the peer port: a client of the fronts cannot reach it there.
        if (context.Connection.LocalPort != _peerPort)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (!HttpProtocol.IsHttp2(context.Request.Protocol) || !GrpcProtocol.IsGrpcContentType(context.Request.ContentType))
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }

        if (!authentication.IsValid(context.Request.Headers[ClusterOptions.SecretHeader]))
        {
            Log.Unauthenticated(logger, context.Connection.RemoteIpAddress?.ToString() ?? "?");
            Fail(context.Response, GrpcStatusCode.Unauthenticated, $"peer calls need the cluster secret in {ClusterOptions.SecretHeader}.");
            return;
        }

        try
        {
            var payload = await ReadMessageAsync(context).ConfigureAwait(false);
            IMessage reply = method switch
            {
                PeerProtocol.Decide => await DecideAsync(DecideRequest.Parser.ParseFrom(payload)).ConfigureAwait(false),
                PeerProtocol.Ping => new PingResponse { Address = membership.Self, Status = (int)membership.PublishedStatus },
                PeerProtocol.Announce => await AnnounceAsync(AnnounceRequest.Parser.ParseFrom(payload), context.RequestAborted).ConfigureAwait(false),
                _ => throw new GrpcStatusException(GrpcStatusCode.Unimplemented, $"method '{Truncate(method)}' is not part of {PeerProtocol.Service}."),
            };
            context.Response.ContentType = GrpcProtocol.ContentType;
            GrpcFraming.WriteMessage(context.Response.BodyWriter, reply, gzip: false);
            context.Response.AppendTrailer(GrpcProtocol.StatusHeader, "0");
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted).ConfigureAwait(false);
        }
        catch (GrpcStatusException e)
        {
            Fail(context.Response, e.Status, e.Message);
        }
        catch (InvalidProtocolBufferException e)
        {
            Fail(context.Response, GrpcStatusCode.InvalidArgument, $"malformed message: {e.Message}");
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The caller gave up (its deadline passed); nobody is left to answer.
        }
    }

    private async Task<DecideResponse> DecideAsync(DecideRequest request)
    {
        if (request.Ops.Count > PeerProtocol.MaxOpsPerBatch)
        {
            throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted, $"{request.Ops.Count} operations in one call; at most {PeerProtocol.MaxOpsPerBatch}.");
        }

        // A leave in progress is writing grains: answer once it is done (then: not owner).
        await membership.HandOff.ConfigureAwait(false);
        var now = time.GetUtcNow().UtcTicks;
        var results = new GrainResult[request.Ops.Count];
        List<(int Index, Task<LimitDecision> Decision)>? pending = null;
        for (var i = 0; i < results.Length; i++)
        {
            var op = request.Ops[i];
            if (Invalid(op) is { } status)
            {
                results[i] = new GrainResult { Status = status };
                continue;
            }

            var id = new GrainId(op.Policy, op.Key);
            if (!membership.IsLocal(id))
            {
                results[i] = new GrainResult { Status = ResultStatus.NotOwner };
                continue;
            }

            policies.TryGet(op.Policy, out var policy);
            if (!membership.Serving.IsCompleted)
            {
                // Joining: peers are still handing these keys off. Wait for them rather than re-route.
                await membership.Serving.ConfigureAwait(false);
            }

            var decision = catalog.RunAsync(id, policy!, (GrainOperation)(int)op.Operation, now, op.Cost, op.LeaseId);
            if (decision.IsCompletedSuccessfully)
            {
                results[i] = GrainRouter.ToResult(decision.Result);
            }
            else
            {
                (pending ??= []).Add((i, decision.AsTask()));
            }
        }

        foreach (var (index, decision) in pending ?? [])
        {
            try
            {
                results[index] = GrainRouter.ToResult(await decision.ConfigureAwait(false));
            }
            catch (NotOwnerException)
            {
                results[index] = new GrainResult { Status = ResultStatus.NotOwner };
            }
            catch (StoreUnavailableException)
            {
                results[index] = new GrainResult { Status = ResultStatus.StoreUnavailable };
            }
        }

        var response = new DecideResponse();
        response.Results.Add(results);
        return response;
    }

    private ResultStatus? Invalid(GrainOp op)
    {
        if (!policies.TryGet(op.Policy, out _))
        {
            return ResultStatus.UnknownPolicy;
        }

        if (op.Key.Length == 0 || Encoding.UTF8.GetByteCount(op.Key) > _silo.MaxKeyBytes || op.Cost < 0 || op.Cost > _silo.MaxCost
            || !Enum.IsDefined(op.Operation))
        {
            return ResultStatus.Invalid;
        }

        return null;
    }

    private async Task<AnnounceResponse> AnnounceAsync(AnnounceRequest request, CancellationToken cancellationToken)
    {
        if (!PeerAddress.TryParse(request.Sender, out _) || request.Status is not ((int)SiloStatus.Active or (int)SiloStatus.ShuttingDown))
        {
            throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "announce needs the sender's host:port and status 1 (active) or 2 (shutting down).");
        }

        Log.Announced(logger, request.Sender, (SiloStatus)request.Status);
        await membership.OnAnnouncedAsync(request.Sender, (SiloStatus)request.Status, cancellationToken).ConfigureAwait(false);
        return new AnnounceResponse();
    }

    private async Task<ReadOnlySequence<byte>> ReadMessageAsync(HttpContext context)
    {
        var reader = context.Request.BodyReader;
        var limit = GrpcProtocol.FrameHeaderLength + _maxMessageBytes;
        while (true)
        {
            var result = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
            if (result.Buffer.Length > limit)
            {
                reader.AdvanceTo(result.Buffer.End);
                throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted, $"peer message larger than {_maxMessageBytes} bytes.");
            }

            if (!result.IsCompleted)
            {
                reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                continue;
            }

            var buffer = result.Buffer;
            var status = GrpcFraming.TryRead(ref buffer, _maxMessageBytes, out var frame, out _);
            // Copied: the pipe's memory is given back before the message is parsed.
            var payload = status == GrpcFrameReadResult.Frame && !frame.Compressed && buffer.IsEmpty ? frame.Payload.ToArray() : null;
            reader.AdvanceTo(result.Buffer.End);
            return payload is not null
                ? new ReadOnlySequence<byte>(payload)
                : throw new GrpcStatusException(GrpcStatusCode.InvalidArgument, "a peer call carries exactly one uncompressed message.");
        }
    }

    private static void Fail(HttpResponse response, GrpcStatusCode status, string message)
    {
        var code = ((int)status).ToString(CultureInfo.InvariantCulture);
        if (response.HasStarted)
        {
            response.AppendTrailer(GrpcProtocol.StatusHeader, code);
            response.AppendTrailer(GrpcProtocol.MessageHeader, GrpcStatusMessage.Encode(message));
            return;
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = code;
        response.Headers[GrpcProtocol.MessageHeader] = GrpcStatusMessage.Encode(message);
    }

    private static string Truncate(string value) => value.Length <= 64 ? value : value[..64] + "…";

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Refused a peer call from {Remote}: missing or wrong cluster secret.")]
        public static partial void Unauthenticated(ILogger logger, string remote);

        [LoggerMessage(2, LogLevel.Information, "Peer {Peer} announced {Status}.")]
        public static partial void Announced(ILogger logger, string peer, SiloStatus status);
    }
}
