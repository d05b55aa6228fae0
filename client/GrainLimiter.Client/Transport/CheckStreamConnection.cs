using System.Collections.Concurrent;
using GrainLimiter.Protocol.V1;
using Grpc.Core;

namespace GrainLimiter.Client.Transport;

/// <summary>One silo's <c>CheckStream</c>: batches of checks written on one long-lived call and answered by id, in any order.</summary>
/// <remarks>
/// Opened when first needed with a handshake (an empty batch, answered empty), which also tells whether the silo offers streams
/// at all. A stream that fails or that the silo ends (idle, stopping) fails the checks waiting on it and is reopened by the next
/// batch. A batch not answered within the deadline gives its checks up (their callers have moved on) but keeps the stream.
/// </remarks>
internal sealed class CheckStreamConnection(Limiter.LimiterClient limiter, TimeSpan deadline) : IDisposable
{
    // Longer than a decision's deadline: opening a stream to a silo met for the first time is a one-off (callers waiting meanwhile
    // get their failure mode at their own deadline), and a silo slow to open one is not refused for good.
    private static readonly TimeSpan MinHandshakeTimeout = TimeSpan.FromSeconds(5);
    private readonly SemaphoreSlim _opening = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private OpenStream? _current;
    private long _lastId;

    private TimeSpan HandshakeTimeout => deadline > MinHandshakeTimeout ? deadline : MinHandshakeTimeout;

    /// <summary>Whether the silo refused the stream (it predates CheckStream): send batches another way.</summary>
    public bool Unsupported { get; private set; }

    /// <summary>Writes <paramref name="batch"/> and waits until every check of it is answered, or the deadline passes.</summary>
    /// <returns>False when the silo does not offer streams (nothing was sent).</returns>
    public async Task<bool> SendAsync(PendingCheck[] batch)
    {
        if (await CurrentAsync().ConfigureAwait(false) is not { } stream)
        {
            return false;
        }

        var request = new CheckBatchRequest();
        var ids = new ulong[batch.Length];
        for (var i = 0; i < batch.Length; i++)
        {
            ids[i] = (ulong)Interlocked.Increment(ref _lastId);
            stream.Waiting[ids[i]] = batch[i];
            request.Checks.Add(new BatchedCheck { Id = ids[i], Check = DecisionMapping.ToProto(batch[i].Checks, batch[i].RequestId) });
        }

        try
        {
            try
            {
                await stream.WriteAsync(request).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // A stream that cannot be written to is over: what waits on it fails, and the next batch opens another.
                throw stream.End(e);
            }

            // It may have ended before these checks were listed as waiting: they fail with it too.
            stream.FailIfEnded(batch);
            await Task.WhenAll(batch.Select(static p => p.Answer)).WaitAsync(deadline).ConfigureAwait(false);
        }
        catch (TimeoutException e)
        {
            // Their callers have timed out already; the stream may still serve the next batch.
            foreach (var pending in batch)
            {
                pending.Fail(e);
            }
        }
        catch (Exception) when (!stream.Ended)
        {
            // Answered, some with errors: their callers see those.
        }
        finally
        {
            foreach (var id in ids)
            {
                stream.Waiting.TryRemove(id, out _);
            }
        }

        return true;
    }

    private async ValueTask<OpenStream?> CurrentAsync()
    {
        if (Volatile.Read(ref _current) is { Ended: false } current)
        {
            return current;
        }

        await _opening.WaitAsync(_disposed.Token).ConfigureAwait(false);
        try
        {
            if (_current is { Ended: false } opened || Unsupported)
            {
                return Unsupported ? null : _current;
            }

            var call = limiter.CheckStream(new CallOptions(cancellationToken: _disposed.Token));
            try
            {
                // The handshake: an empty batch, answered empty by a silo that offers streams.
                await call.RequestStream.WriteAsync(new CheckBatchRequest()).ConfigureAwait(false);
                using var handshake = CancellationTokenSource.CreateLinkedTokenSource(_disposed.Token);
                handshake.CancelAfter(HandshakeTimeout);
                if (!await call.ResponseStream.MoveNext(handshake.Token).ConfigureAwait(false))
                {
                    throw new RpcException(new Status(StatusCode.Unavailable, "The silo ended the check stream at once."));
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Unimplemented)
            {
                Unsupported = true;
                call.Dispose();
                return null;
            }
            catch (Exception e)
            {
                call.Dispose();
                throw Outage(e);
            }

            var stream = new OpenStream(call);
            _ = stream.ReadAsync();
            Volatile.Write(ref _current, stream);
            return stream;
        }
        finally
        {
            _opening.Release();
        }
    }

    // What a stream that could not be opened or broke fails its checks with: an outage the client answers by the failure mode (a
    // disposed or cancelled call throws what the client would otherwise take for a bug in it).
    private static Exception Outage(Exception failure) => failure is RpcException or IOException or HttpRequestException
        ? failure
        : new RpcException(new Status(StatusCode.Unavailable, $"The check stream failed ({failure.GetType().Name}: {failure.Message}).", failure));

    public void Dispose()
    {
        _disposed.Cancel();
        Volatile.Read(ref _current)?.Dispose();
        _disposed.Dispose();
    }

    /// <summary>One open call: its writes one at a time, the checks waiting for their answers, and the loop that reads them.</summary>
    private sealed class OpenStream(AsyncDuplexStreamingCall<CheckBatchRequest, CheckBatchResponse> call) : IDisposable
    {
        private readonly SemaphoreSlim _writing = new(1, 1);
        private Exception? _error;

        public ConcurrentDictionary<ulong, PendingCheck> Waiting { get; } = new();

        public bool Ended => Volatile.Read(ref _error) is not null;

        public async Task WriteAsync(CheckBatchRequest request)
        {
            await _writing.WaitAsync().ConfigureAwait(false);
            try
            {
                await call.RequestStream.WriteAsync(request).ConfigureAwait(false);
            }
            finally
            {
                _writing.Release();
            }
        }

        public async Task ReadAsync()
        {
            try
            {
                while (await call.ResponseStream.MoveNext(CancellationToken.None).ConfigureAwait(false))
                {
                    foreach (var answer in call.ResponseStream.Current.Answers)
                    {
                        // Not waiting any more: given up when its batch timed out.
                        if (Waiting.TryRemove(answer.Id, out var pending))
                        {
                            pending.Settle(answer);
                        }
                    }
                }

                End(new RpcException(new Status(StatusCode.Unavailable, "The silo ended the check stream (idle, or stopping).")));
            }
            catch (Exception e)
            {
                End(e);
            }
        }

        /// <summary>Marks the stream over and fails every check still waiting on it with <paramref name="failure"/>, as an outage
        /// (a disposed or broken call throws what the client would take for a bug). Answers the error they failed with.</summary>
        public Exception End(Exception failure)
        {
            var error = Outage(failure);
            if (Interlocked.CompareExchange(ref _error, error, null) is { } first)
            {
                return first;
            }

            foreach (var pending in Waiting.Values)
            {
                pending.Fail(error);
            }

            Dispose();
            return error;
        }

        public void FailIfEnded(PendingCheck[] batch)
        {
            if (Volatile.Read(ref _error) is { } error)
            {
                foreach (var pending in batch)
                {
                    pending.Fail(error);
                }
            }
        }

        public void Dispose() => call.Dispose();
    }
}
