using System.Threading.Tasks.Sources;

namespace GrainLimiter.Silo.Storage.Redis;

/// <summary>A request waiting in a link's queue for its reply (or replies, for a batch). Replies arrive in send order.</summary>
internal abstract class PendingReply
{
    /// <summary>When the request was queued (<see cref="TimeProvider.GetTimestamp"/>), for the command timeout.</summary>
    public long StartTimestamp { get; set; }

    public abstract bool IsCompleted { get; }

    /// <summary>Takes the next reply; true when the request has all of its replies and leaves the queue.</summary>
    public abstract bool OnReply(in RespValue value);

    /// <summary>Completes the request with an error (connection lost, timeout, cancellation). Later replies are ignored.</summary>
    public abstract void Fail(Exception error);
}

/// <summary>Completion shared by the pending kinds: one allocation per request, awaited as a <see cref="ValueTask{T}"/>.</summary>
internal abstract class PendingReply<T> : PendingReply, IValueTaskSource<T>
{
    private ManualResetValueTaskSourceCore<T> _core = new() { RunContinuationsAsynchronously = true };
    private CancellationTokenRegistration _registration;
    private int _done;

    public ValueTask<T> Task => new(this, _core.Version);

    public override bool IsCompleted => Volatile.Read(ref _done) != 0;

    /// <summary>Call before queueing, so a reply cannot race the registration.</summary>
    public void RegisterCancellation(CancellationToken cancellationToken)
    {
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(
                static (state, token) => ((PendingReply<T>)state!).Fail(new OperationCanceledException(token)), this);
        }
    }

    public override void Fail(Exception error)
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _registration.Unregister();
            _core.SetException(error);
        }
    }

    protected void Complete(T result)
    {
        if (Interlocked.Exchange(ref _done, 1) == 0)
        {
            _registration.Unregister();
            _core.SetResult(result);
        }
    }

    T IValueTaskSource<T>.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}

/// <summary>One command, one reply. An error reply becomes a <see cref="RedisServerException"/>.</summary>
internal sealed class SingleReply : PendingReply<RespValue>
{
    public override bool OnReply(in RespValue value)
    {
        if (value.IsError)
        {
            Fail(new RedisServerException(value.AsString()!));
        }
        else
        {
            Complete(value);
        }

        return true;
    }
}

/// <summary>
/// A pipelined batch: one queue entry for N replies. Either keeps every reply, or only checks them and fails with the
/// first error reply once all have arrived (the grain store's writes: no per-reply allocation).
/// </summary>
internal sealed class BatchReply : PendingReply<RespValue[]>
{
    private readonly RespValue[]? _replies;
    private readonly int _count;
    private int _received;
    private string? _firstError;
    private int _firstErrorIndex;

    public BatchReply(int count, bool keepReplies)
    {
        _count = count;
        _replies = keepReplies ? new RespValue[count] : null;
    }

    public override bool OnReply(in RespValue value)
    {
        if (_replies is not null)
        {
            _replies[_received] = value;
        }
        else if (value.IsError && _firstError is null)
        {
            _firstError = value.AsString();
            _firstErrorIndex = _received;
        }

        _received++;
        if (_received < _count)
        {
            return false;
        }

        if (_firstError is not null)
        {
            Fail(new RedisServerException($"{_firstError} (command {_firstErrorIndex} of a batch of {_count})"));
        }
        else
        {
            Complete(_replies ?? []);
        }

        return true;
    }
}
