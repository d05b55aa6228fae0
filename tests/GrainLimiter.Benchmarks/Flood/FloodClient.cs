using System.Diagnostics;
using System.Globalization;
using GrainLimiter.Benchmarks.Load;
using GrainLimiter.Protocol.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace GrainLimiter.Benchmarks.Flood;

/// <summary>
/// The flood: gRPC Check calls naming keys no one has named before, <see cref="FloodSettings.Batch"/> a call, as fast as
/// the silo answers them, until <see cref="FloodSettings.Keys"/> are sent or <see cref="FloodSettings.MaxDuration"/> has
/// passed. Every item the key's grain did not decide, and every failed call (each of its items), is an error; a status
/// that says the server failed (Internal, Unknown, DataLoss, Unavailable: what 5xx is over HTTP) is also counted apart.
/// </summary>
internal static class FloodClient
{
    public static async Task<FloodResult> RunAsync(Uri silo, FloodSettings settings, string policy, string keyPrefix, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(silo, new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { UseProxy = false, EnableMultipleHttp2Connections = true,
                PooledConnectionLifetime = Timeout.InfiniteTimeSpan },
        });
        var client = new Limiter.LimiterClient(channel);
        long next = 0, decided = 0, errors = 0, serverErrors = 0;
        string? firstError = null;
        var clock = Stopwatch.StartNew();

        async Task WorkerAsync()
        {
            while (!cancellationToken.IsCancellationRequested && clock.Elapsed < settings.MaxDuration)
            {
                var first = Interlocked.Add(ref next, settings.Batch) - settings.Batch;
                if (first >= settings.Keys)
                {
                    return;
                }

                var request = new CheckRequest();
                for (var i = first; i < Math.Min(settings.Keys, first + settings.Batch); i++)
                {
                    request.Checks.Add(new Hit { Policy = policy, Key = keyPrefix + i.ToString(CultureInfo.InvariantCulture), Cost = 1 });
                }

                try
                {
                    var reply = await client.CheckAsync(request, deadline: DateTime.UtcNow.AddSeconds(10), cancellationToken: cancellationToken)
                        .ResponseAsync.ConfigureAwait(false);
                    var undecided = reply.Decisions.Count(static d => UndecidedAnswerException.IsUndecided(d.Reason));
                    Interlocked.Add(ref decided, reply.Decisions.Count - undecided);
                    if (undecided > 0 || reply.Decisions.Count != request.Checks.Count)
                    {
                        Interlocked.Add(ref errors, request.Checks.Count - (reply.Decisions.Count - undecided));
                        Interlocked.CompareExchange(ref firstError,
                            $"{undecided} of {request.Checks.Count} undecided, "
                            + $"reason '{reply.Decisions.FirstOrDefault(static d => d.Reason.Length > 0)?.Reason}'", null);
                    }
                }
                catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
                {
                    Interlocked.Add(ref errors, request.Checks.Count);
                    if (e.StatusCode is StatusCode.Internal or StatusCode.Unknown or StatusCode.DataLoss or StatusCode.Unavailable)
                    {
                        Interlocked.Increment(ref serverErrors);
                    }

                    Interlocked.CompareExchange(ref firstError, $"{e.StatusCode}: {e.Status.Detail}", null);
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, settings.Concurrency).Select(_ => Task.Run(WorkerAsync, CancellationToken.None))).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return new FloodResult(Math.Min(next, settings.Keys), decided, errors, serverErrors, firstError, clock.Elapsed.TotalSeconds);
    }
}

/// <summary>What the flood sent and how it was answered: keys sent, decided by their grain, errors (items), server-failure
/// calls, over how many seconds.</summary>
internal sealed record FloodResult(long KeysSent, long Decided, long Errors, long ServerErrorCalls, string? FirstError, double Seconds)
{
    public double KeysPerSecond => Seconds > 0 ? KeysSent / Seconds : 0;
}
