using System.Buffers;
using System.IO.Pipelines;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>
/// One physical connection: a write loop sends whatever commands were queued since its last write in one go
/// (pipelining), a read loop parses replies and hands them to the queued requests in order. When anything goes
/// wrong the link fails once, for good: every waiting request gets a <see cref="RedisConnectionException"/> and
/// <see cref="Closed"/> completes so the owner can open a new link.
/// </summary>
internal sealed class RedisLink
{
    /// <summary>Send buffers larger than this (after a huge batch) are dropped rather than kept for reuse.</summary>
    private const int MaxRetainedBufferBytes = 1024 * 1024;

    private readonly Stream _stream;
    private readonly PipeReader _reader;
    private readonly string _endpoint;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly Queue<PendingReply> _pending = new();
    private readonly RespParser _parser = new();
    private readonly SemaphoreSlim _flushSignal = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource<Exception> _closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ArrayBufferWriter<byte> _outgoing = new(4096);
    private ArrayBufferWriter<byte> _sending = new(4096);
    private bool _flushScheduled;
    private Exception? _failure;

    public RedisLink(Stream stream, string endpoint, TimeProvider time)
    {
        _stream = stream;
        _reader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, leaveOpen: true));
        _endpoint = endpoint;
        _time = time;
    }

    /// <summary>Completes with the cause once the link has failed or was closed.</summary>
    public Task<Exception> Closed => _closed.Task;

    public bool IsOpen => Volatile.Read(ref _failure) is null;

    public void Start()
    {
        _ = Task.Run(ReadLoopAsync);
        _ = Task.Run(WriteLoopAsync);
    }

    public ValueTask<RespValue> SendAsync(ReadOnlySpan<RedisArg> commandAndArgs, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<RespValue>(cancellationToken);
        }

        var reply = new SingleReply();
        reply.RegisterCancellation(cancellationToken);
        bool signal;
        lock (_lock)
        {
            if (_failure is not null)
            {
                reply.Fail(NotOpen());
                return reply.Task;
            }

            RespWriter.WriteCommand(_outgoing, commandAndArgs);
            signal = Enqueue(reply);
        }

        if (signal)
        {
            _flushSignal.Release();
        }

        return reply.Task;
    }

    public ValueTask<RespValue[]> SendBatchAsync(RedisBatch batch, bool keepReplies, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<RespValue[]>(cancellationToken);
        }

        if (batch.Count == 0)
        {
            return ValueTask.FromResult<RespValue[]>([]);
        }

        var reply = new BatchReply(batch.Count, keepReplies);
        reply.RegisterCancellation(cancellationToken);
        bool signal;
        lock (_lock)
        {
            if (_failure is not null)
            {
                reply.Fail(NotOpen());
                return reply.Task;
            }

            _outgoing.Write(batch.Payload);
            signal = Enqueue(reply);
        }

        if (signal)
        {
            _flushSignal.Release();
        }

        return reply.Task;
    }

    /// <summary>Fails requests older than <paramref name="timeout"/>. Their replies, when they come, are skipped.</summary>
    public void ExpireTimedOut(TimeSpan timeout)
    {
        long now = _time.GetTimestamp();
        lock (_lock)
        {
            foreach (PendingReply pending in _pending)
            {
                if (pending.IsCompleted)
                {
                    continue;
                }

                // Requests are queued in time order: the first one still in time ends the scan.
                if (_time.GetElapsedTime(pending.StartTimestamp, now) < timeout)
                {
                    break;
                }

                pending.Fail(new RedisTimeoutException(
                    $"Redis at {_endpoint} did not answer within {timeout.TotalMilliseconds:0} ms (syncTimeout); " +
                    $"{_pending.Count} requests were waiting on the connection."));
            }
        }
    }

    /// <summary>Closes the link (idempotent). Every waiting request fails; <see cref="Closed"/> completes.</summary>
    public void Fail(Exception cause)
    {
        PendingReply[] orphans;
        lock (_lock)
        {
            if (_failure is not null)
            {
                return;
            }

            _failure = cause;
            orphans = [.. _pending];
            _pending.Clear();
        }

        foreach (PendingReply orphan in orphans)
        {
            orphan.Fail(new RedisConnectionException(
                $"Connection to Redis at {_endpoint} was lost before the reply arrived; the command may or may not have run. Cause: {cause.Message}",
                cause));
        }

        _stop.Cancel();
        _stream.Dispose();
        _closed.TrySetResult(cause);
    }

    private bool Enqueue(PendingReply reply)
    {
        reply.StartTimestamp = _time.GetTimestamp();
        _pending.Enqueue(reply);
        if (_flushScheduled)
        {
            return false; // the write loop has been woken already and will take this command too
        }

        _flushScheduled = true;
        return true;
    }

    private RedisConnectionException NotOpen() =>
        new($"Connection to Redis at {_endpoint} is closed: {_failure!.Message}", _failure);

    private async Task WriteLoopAsync()
    {
        try
        {
            while (true)
            {
                await _flushSignal.WaitAsync(_stop.Token).ConfigureAwait(false);
                ArrayBufferWriter<byte> toSend;
                lock (_lock)
                {
                    toSend = _outgoing;
                    _outgoing = _sending;
                    _sending = toSend;
                    _flushScheduled = false;
                }

                if (toSend.WrittenCount > 0)
                {
                    await _stream.WriteAsync(toSend.WrittenMemory, _stop.Token).ConfigureAwait(false);
                    await _stream.FlushAsync(_stop.Token).ConfigureAwait(false);
                }

                // Only this loop touches _sending outside the swap above.
                if (toSend.Capacity > MaxRetainedBufferBytes)
                {
                    _sending = new ArrayBufferWriter<byte>(4096);
                }
                else
                {
                    toSend.ResetWrittenCount();
                }
            }
        }
        catch (Exception ex)
        {
            Fail(_stop.IsCancellationRequested
                ? ex
                : new RedisConnectionException($"Writing to Redis at {_endpoint} failed: {ex.Message}", ex));
        }
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                ReadResult result = await _reader.ReadAsync(_stop.Token).ConfigureAwait(false);
                ReadOnlySequence<byte> buffer = result.Buffer;
                while (_parser.TryParse(ref buffer, out RespValue value))
                {
                    Deliver(value);
                }

                _reader.AdvanceTo(buffer.Start, buffer.End);
                if (result.IsCompleted)
                {
                    Fail(new RedisConnectionException($"Redis at {_endpoint} closed the connection."));
                    return;
                }
            }
        }
        catch (Exception ex)
        {
            Fail(ex is RedisException || _stop.IsCancellationRequested
                ? ex
                : new RedisConnectionException($"Reading from Redis at {_endpoint} failed: {ex.Message}", ex));
        }
        finally
        {
            await _reader.CompleteAsync().ConfigureAwait(false);
        }
    }

    private void Deliver(in RespValue value)
    {
        lock (_lock)
        {
            if (!_pending.TryPeek(out PendingReply? head))
            {
                throw new RedisProtocolException($"Redis at {_endpoint} sent a reply nobody asked for: {value}");
            }

            if (head.OnReply(value))
            {
                _pending.Dequeue();
            }
        }
    }
}
