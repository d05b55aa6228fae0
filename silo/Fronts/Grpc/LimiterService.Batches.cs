using System.Runtime.ExceptionServices;
using GrainLimiter.Protocol.V1;
using Grpc.Core;

namespace GrainLimiter.Silo.Fronts.Grpc;

/// <summary>CheckBatch and CheckStream: checks that travel together, each decided and answered on its own.</summary>
internal sealed partial class LimiterService
{
    public Task<CheckBatchResponse> CheckBatch(CheckBatchRequest request, ServerCallContext context)
    {
        ValidateBatchSize(request);
        return DecideBatchAsync(request, context.Deadline, context.CancellationToken);
    }

    /// <summary>Reads batches while earlier ones are decided (at most <see cref="GrpcFrontOptions.MaxStreamBatchesInFlight"/> at once: a
    /// caller that sends faster than the silo decides waits), and writes each batch's answers as one message when they are all in.
    /// Ends when the caller ends its side, or after <see cref="GrpcFrontOptions.StreamIdleTimeout"/> without a message.</summary>
    public async Task CheckStream(IAsyncStreamReader<CheckBatchRequest> requests, IServerStreamWriter<CheckBatchResponse> responses, ServerCallContext context)
    {
        var settings = options.Value;
        using var inFlight = new SemaphoreSlim(settings.MaxStreamBatchesInFlight);
        using var writing = new SemaphoreSlim(1);
        // Cancelled when the caller goes, when a write fails (no answer can reach it any more) or when the stream idles.
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken);
        ExceptionDispatchInfo? failure = null;
        try
        {
            while (true)
            {
                reading.CancelAfter(settings.StreamIdleTimeout);
                if (!await requests.MoveNext(reading.Token).ConfigureAwait(false))
                {
                    break;
                }

                var batch = requests.Current;
                ValidateBatchSize(batch);
                await inFlight.WaitAsync(reading.Token).ConfigureAwait(false);
                _ = AnswerAsync(batch);
            }
        }
        catch (OperationCanceledException) when (!context.CancellationToken.IsCancellationRequested)
        {
            // Idle past StreamIdleTimeout, or a write failed: end the call; what is still being decided is answered if it can be.
        }
        finally
        {
            // Every batch read is answered (or its write failed) before the call ends.
            for (var i = 0; i < settings.MaxStreamBatchesInFlight; i++)
            {
                await inFlight.WaitAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }

        // A failure of the silo's own (not of the caller or its stream) ends the call as one, logged at Error by Grpc.AspNetCore.
        failure?.Throw();

        async Task AnswerAsync(CheckBatchRequest batch)
        {
            try
            {
                var answers = await DecideBatchAsync(batch, DateTime.MaxValue, context.CancellationToken).ConfigureAwait(false);
                await writing.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                try
                {
                    await responses.WriteAsync(answers, context.CancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    writing.Release();
                }
            }
            catch (Exception e)
            {
                // The caller is gone or the stream is over (nothing more can be answered on it), or the silo failed.
                if (e is not (IOException or InvalidOperationException or OperationCanceledException))
                {
                    Interlocked.CompareExchange(ref failure, ExceptionDispatchInfo.Capture(e), null);
                }

                await reading.CancelAsync().ConfigureAwait(false);
            }
            finally
            {
                inFlight.Release();
            }
        }
    }

    // Every check is started before any is awaited: their grains decide in parallel, wherever they live.
    // A stream's batches have no deadline of their own (the stream's is for all of them): each check gets GrainLimiter:CheckTimeout.
    private async Task<CheckBatchResponse> DecideBatchAsync(CheckBatchRequest batch, DateTime deadline, CancellationToken cancellationToken)
    {
        var answers = new Task<BatchedAnswer>[batch.Checks.Count];
        for (var i = 0; i < answers.Length; i++)
        {
            answers[i] = AnswerAsync(batch.Checks[i], deadline, cancellationToken);
        }

        var response = new CheckBatchResponse();
        foreach (var answer in answers)
        {
            response.Answers.Add(await answer.ConfigureAwait(false));
        }

        return response;
    }

    private async Task<BatchedAnswer> AnswerAsync(BatchedCheck check, DateTime deadline, CancellationToken cancellationToken)
    {
        try
        {
            return new BatchedAnswer
            {
                Id = check.Id,
                Response = await CheckAsync(check.Check ?? new CheckRequest(), deadline, cancellationToken).ConfigureAwait(false)
            };
        }
        catch (RpcException e)
        {
            // This check's error alone: the others of the batch are answered as usual.
            return new BatchedAnswer { Id = check.Id, Error = new CheckError { Code = (int)e.StatusCode, Message = e.Status.Detail } };
        }
    }

    private void ValidateBatchSize(CheckBatchRequest batch)
    {
        if (batch.Checks.Count > front.MaxChecksPerBatch)
        {
            throw LimiterFront.Invalid(new("checks", $"has {batch.Checks.Count} checks; at most {front.MaxChecksPerBatch} are allowed in one batch."));
        }
    }
}
