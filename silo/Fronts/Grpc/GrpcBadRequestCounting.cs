using Grpc.AspNetCore.Server;
using Grpc.Core;
using GrainLimiter.Silo.Observability;
using GrainLimiter.Silo.Checks.Overload;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>Counts the calls of a gRPC service that ended in the caller's fault (<c>grainlimiter_bad_requests_total</c>), by the
/// status Grpc.AspNetCore or the service answered.</summary>
internal static class GrpcBadRequestCounting
{
    /// <summary>Wraps each endpoint of the service: after the call, a status that blames the caller is counted under <paramref name="front"/>.</summary>
    public static TBuilder CountBadRequests<TBuilder>(this TBuilder builder, string front) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            var call = endpoint.RequestDelegate ?? throw new InvalidOperationException($"{endpoint.DisplayName} has no request delegate.");
            endpoint.RequestDelegate = context =>
            {
                var handled = call(context);
                if (!handled.IsCompletedSuccessfully)
                {
                    return CountAfterAsync(handled, context, front);
                }

                Count(context, front);
                return Task.CompletedTask;
            };
        });
        return builder;
    }

    private static async Task CountAfterAsync(Task handled, HttpContext context, string front)
    {
        await handled.ConfigureAwait(false);
        Count(context, front);
    }

    private static void Count(HttpContext context, string front)
    {
        var reason = context.Features.Get<IServerCallContextFeature>()?.ServerCallContext is { } call
            ? call.Status.StatusCode == StatusCode.OK ? null : ReasonOf(call.Status, context)
            // Refused before a call began: not gRPC at all (415 for the content type, 426 for HTTP/1.x).
            : context.Response.StatusCode is StatusCodes.Status415UnsupportedMediaType or StatusCodes.Status426UpgradeRequired
                ? BadRequests.Reason.NotGrpc
                : null;
        if (reason is not null)
        {
            context.RequestServices.GetRequiredService<SiloMetrics>().RecordBadRequest(front, reason);
        }
    }

    /// <summary>Why the caller is at fault, or null when the status does not say it is (a deadline, a server failure).</summary>
    private static string? ReasonOf(Status status, HttpContext context) => status.StatusCode switch
    {
        _ when context.RequestAborted.IsCancellationRequested => BadRequests.Reason.Reset,
        // Grpc.AspNetCore's reader: a message cut short or followed by more data. The services never answer INTERNAL.
        StatusCode.Internal => BadRequests.Reason.MalformedFrame,
        // The other RESOURCE_EXHAUSTED, a check shed as overloaded, is the silo's state, counted as shed.
        StatusCode.ResourceExhausted when !SiloOverloadedException.IsOverload(status) => BadRequests.Reason.TooLarge,
        // An encoding this server does not speak (unknown methods are other endpoints).
        StatusCode.Unimplemented => BadRequests.Reason.BadCompression,
        StatusCode.InvalidArgument => status.Detail.StartsWith(StrictServiceMethodProvider.UnparsableRequest, StringComparison.Ordinal)
            ? BadRequests.Reason.Unparsable
            : BadRequests.Reason.InvalidArgument,
        StatusCode.Unknown when context.RequestServices.GetRequiredService<GrpcReadErrors>().Contains(status.DebugException) =>
            status.DebugException is InvalidDataException { Message: var message } && message.Contains("compressed flag", StringComparison.Ordinal)
                ? BadRequests.Reason.MalformedFrame
                : BadRequests.Reason.BadCompression,
        _ => null,
    };
}
