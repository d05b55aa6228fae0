namespace GrainLimiter.Client.Throttling;

/// <summary>Lets one caller at a time through; waiting callers go in (priority, arrival) order.</summary>
/// <remarks>Lock held only to change the queue; continuations run asynchronously, never under the lock.</remarks>
internal sealed class PriorityTurnstile
{
    private readonly Lock _lock = new();
    private readonly SortedSet<Waiter> _queue = new(WaiterOrder.Instance);
    private bool _held;
    private long _lastTicket;

    /// <summary>An arrival number; a caller that yields and re-enters keeps its own, so it keeps its place.</summary>
    public long NewTicket() => Interlocked.Increment(ref _lastTicket);

    /// <summary>Waits for this caller's turn.</summary>
    public async ValueTask EnterAsync(ThrottlePriority priority, long ticket, CancellationToken cancellationToken)
    {
        Waiter waiter;
        lock (_lock)
        {
            if (!_held)
            {
                _held = true;
                return;
            }

            waiter = new Waiter(priority, ticket);
            _queue.Add(waiter);
        }

        using var registration = cancellationToken.UnsafeRegister(static (state, token) =>
        {
            var (self, abandoned) = ((PriorityTurnstile, Waiter))state!;
            self.Abandon(abandoned, token);
        }, (this, waiter));
        await waiter.Task.ConfigureAwait(false);
    }

    /// <summary>Hands the turn to the first waiter, or frees the turnstile.</summary>
    public void Release()
    {
        Waiter next;
        lock (_lock)
        {
            if (_queue.Count == 0)
            {
                _held = false;
                return;
            }

            next = _queue.Min!;
            _queue.Remove(next);
        }

        if (!next.TrySetResult())
        {
            // Cancelled in the meantime: pass the turn on.
            Release();
        }
    }

    /// <summary>Whether someone of higher priority than <paramref name="priority"/> is waiting.</summary>
    public bool HasWaiterAbove(ThrottlePriority priority)
    {
        lock (_lock)
        {
            return _queue.Count > 0 && _queue.Min!.Priority > priority;
        }
    }

    private void Abandon(Waiter waiter, CancellationToken token)
    {
        bool removed;
        lock (_lock)
        {
            removed = _queue.Remove(waiter);
        }

        // Not in the queue any more: the turn was already handed over and the caller owns it.
        if (removed)
        {
            waiter.TrySetCanceled(token);
        }
    }

    private sealed class Waiter(ThrottlePriority priority, long ticket) : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
    {
        public ThrottlePriority Priority { get; } = priority;

        public long Ticket { get; } = ticket;
    }

    private sealed class WaiterOrder : IComparer<Waiter>
    {
        public static readonly WaiterOrder Instance = new();

        public int Compare(Waiter? x, Waiter? y) =>
            x!.Priority != y!.Priority ? y.Priority.CompareTo(x.Priority) : x.Ticket.CompareTo(y.Ticket);
    }
}
