using Envoy.Service.RateLimitQuota.V3;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace GrainLimiter.Silo.Fronts.Envoy.Rlqs;

/// <summary><c>envoy.service.rate_limit_quota.v3.RateLimitQuotaService/StreamRateLimitQuotas</c>: Envoy's quota streams.
/// Each bucket is a grain (<see cref="Grains.IQuotaBucketGrain"/>) anywhere in the cluster, sharing the limit of its
/// policy-file <c>quotaBuckets</c> entry among every stream reporting it; any silo serves any stream.</summary>
/// <remarks>A stream is one loop: it waits for the next report or a tick (for refreshes and the idle bound), so one task
/// touches its state and writes its responses.</remarks>
[BindServiceMethod(typeof(RateLimitQuotaService), nameof(RateLimitQuotaService.BindService))]
internal sealed class QuotaStreamService(IGrainFactory grains, QuotaBucketDirectory directory, RlqsMetrics metrics, IOptions<RlqsOptions> options,
    TimeProvider time)
{
    public static string ServiceName => RateLimitQuotaService.Descriptor.FullName;

    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(250);
    private readonly RlqsOptions _options = options.Value;
    private int _streams;

    public async Task StreamRateLimitQuotas(IAsyncStreamReader<RateLimitQuotaUsageReports> reports, IServerStreamWriter<RateLimitQuotaResponse> responses,
        ServerCallContext context)
    {
        if (Interlocked.Increment(ref _streams) > _options.MaxStreamsPerSilo)
        {
            Interlocked.Decrement(ref _streams);
            throw new RpcException(new Status(StatusCode.ResourceExhausted,
                $"this silo already serves {_options.MaxStreamsPerSilo} quota streams (GrainLimiter:Envoy:Rlqs:MaxStreamsPerSilo); connect to another silo."));
        }

        metrics.StreamOpened();
        var stream = new QuotaStream(Guid.NewGuid().ToString("N"), grains, directory, metrics, _options, time);
        Task<bool>? next = null;
        try
        {
            var lastReport = time.GetTimestamp();
            while (!context.CancellationToken.IsCancellationRequested)
            {
                next ??= reports.MoveNext(context.CancellationToken);
                if (await Task.WhenAny(next, Task.Delay(Tick, time, context.CancellationToken)).ConfigureAwait(false) == next)
                {
                    if (!await next.ConfigureAwait(false))
                    {
                        return; // Envoy closed its side.
                    }

                    next = null;
                    lastReport = time.GetTimestamp();
                    await SendAsync(responses, await stream.ReportAsync(reports.Current).ConfigureAwait(false)).ConfigureAwait(false);
                }
                else if (time.GetElapsedTime(lastReport) > _options.IdleStreamTimeout)
                {
                    throw new RpcException(new Status(StatusCode.Unavailable,
                        $"no usage report for {_options.IdleStreamTimeout} (GrainLimiter:Envoy:Rlqs:IdleStreamTimeout); the stream is closed, reconnect."));
                }
                else if (!context.CancellationToken.IsCancellationRequested)
                {
                    await SendAsync(responses, await stream.RefreshAsync().ConfigureAwait(false)).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (context.CancellationToken.IsCancellationRequested)
        {
            // Envoy went away, or the silo is stopping.
        }
        finally
        {
            // A read still pending ends with the call; observe it so its failure is not reported as unobserved.
            _ = next?.ContinueWith(static t => t.Exception, TaskContinuationOptions.OnlyOnFaulted);
            Interlocked.Decrement(ref _streams);
            metrics.StreamClosed();
            await stream.LeaveAsync().ConfigureAwait(false);
        }
    }

    private static Task SendAsync(IServerStreamWriter<RateLimitQuotaResponse> responses, RateLimitQuotaResponse response) =>
        response.BucketAction.Count == 0 ? Task.CompletedTask : responses.WriteAsync(response);
}
