using GrainLimiter.Client.Decisions;
using GrainLimiter.Protocol.V1;
using Grpc.Core;

namespace GrainLimiter.Client.Transport;

/// <summary>One caller's check waiting in a <see cref="CheckBatcher"/>: answered once, by its batch's sender.</summary>
internal sealed class PendingCheck(LimitCheck[] checks, string? requestId, CancellationToken cancellationToken)
{
    private readonly TaskCompletionSource<ClusterCheckOutcome> _answer = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LimitCheck[] Checks => checks;

    /// <summary>The check's request id (the same on every silo it is tried on); null when it carries none.</summary>
    public string? RequestId => requestId;

    /// <summary>The decision; it fails with the caller's cancellation when the caller gives up first.</summary>
    public Task<ClusterCheckOutcome> Answer => _answer.Task;

    public void Complete(ClusterCheckOutcome outcome) => _answer.TrySetResult(outcome);

    /// <summary>Answers it from a CheckBatch or CheckStream answer: the decisions, or the error the plain Check would have thrown.</summary>
    public void Settle(BatchedAnswer answer)
    {
        if (answer.OutcomeCase == BatchedAnswer.OutcomeOneofCase.Response)
        {
            Complete(DecisionMapping.ToOutcome(answer.Response));
        }
        else
        {
            Fail(DecisionMapping.ToException(
                answer.Error ?? new CheckError { Code = (int)StatusCode.Internal, Message = "The silo's answer had no outcome." }));
        }
    }

    public void Fail(Exception error) => _answer.TrySetException(error);

    /// <summary>Fails it with <paramref name="error"/> unless it was answered (the exception is made only then).</summary>
    public void Fail(Func<Exception> error)
    {
        if (!_answer.Task.IsCompleted)
        {
            _answer.TrySetException(error());
        }
    }

    /// <summary>Whether the caller stopped waiting before the check left; such a check is answered with the cancellation, not sent.</summary>
    public bool GaveUp()
    {
        if (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }

        _answer.TrySetCanceled(cancellationToken);
        return true;
    }
}
