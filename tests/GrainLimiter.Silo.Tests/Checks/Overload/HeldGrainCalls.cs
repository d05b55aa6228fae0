using GrainLimiter.Grains;

namespace GrainLimiter.Silo.Tests.Checks.Overload;

/// <summary>A test-only grain call filter: while closed, every <see cref="ILimitGrain.AcquireAsync"/> waits inside its grain until
/// <see cref="Open"/>, so checks pile up in flight without a clock.</summary>
public sealed class HeldGrainCalls : IIncomingGrainCallFilter
{
    private readonly object _lock = new();
    private TaskCompletionSource _gate = NewGate();
    private TaskCompletionSource _heldChanged = NewGate();
    private int _held;

    /// <summary>Calls waiting at the gate now.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>From now on, acquisitions wait.</summary>
    public void Close()
    {
        lock (_lock)
        {
            if (_gate.Task.IsCompleted)
            {
                _gate = NewGate();
            }
        }
    }

    /// <summary>Lets every waiting and later acquisition through.</summary>
    public void Open()
    {
        lock (_lock)
        {
            _gate.TrySetResult();
        }
    }

    /// <summary>Completes when at least <paramref name="count"/> calls wait at the gate.</summary>
    public async Task UntilHeldAsync(int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_lock)
            {
                if (_held >= count)
                {
                    return;
                }

                changed = _heldChanged.Task;
            }

            await changed.WaitAsync(timeout.Token);
        }
    }

    public async Task Invoke(IIncomingGrainCallContext context)
    {
        Task gate;
        lock (_lock)
        {
            gate = context.InterfaceMethod.Name == nameof(ILimitGrain.AcquireAsync) ? _gate.Task : Task.CompletedTask;
            if (!gate.IsCompleted)
            {
                _held++;
                _heldChanged.TrySetResult();
                _heldChanged = NewGate();
            }
        }

        if (!gate.IsCompleted)
        {
            await gate;
            Interlocked.Decrement(ref _held);
        }

        await context.Invoke();
    }

    private static TaskCompletionSource NewGate() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
