using System.Collections.Concurrent;
using GrainLimiter.Adaptive;
using GrainLimiter.Client.Decisions;
using GrainLimiter.Client.Transport;

namespace GrainLimiter.Client.Tests.Fixtures;

/// <summary>A cluster that admits everything and records what it is told: the reports it got (one entry per call) and the pauses.</summary>
/// <remarks>Decisions of the policies in <see cref="AdaptivePolicies"/> ask for the outcome. A report can be made to fail
/// (<see cref="FailReports"/>) or to wait at a gate (<see cref="HoldReports"/>) so a test sees a batch under way.</remarks>
internal sealed class FakeClusterTransport : IClusterTransport
{
    private readonly ConcurrentQueue<RequestOutcome[]> _reports = new();
    private readonly ConcurrentQueue<(string Policy, string Key, TimeSpan PauseFor)> _pauses = new();
    private readonly ConcurrentQueue<LimitCheck> _checks = new();
    private TaskCompletionSource _gate = Completed();
    private TaskCompletionSource _reportStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HashSet<string> AdaptivePolicies { get; } = new(StringComparer.Ordinal);

    /// <summary>Thrown by every report while set (the report's call failed).</summary>
    public Exception? FailReports { get; set; }

    /// <summary>Every report call, in order, with its outcomes.</summary>
    public RequestOutcome[][] Reports => [.. _reports];

    /// <summary>Every outcome reported, in order.</summary>
    public RequestOutcome[] Outcomes => [.. _reports.SelectMany(static r => r)];

    public (string Policy, string Key, TimeSpan PauseFor)[] Pauses => [.. _pauses];

    public LimitCheck[] Checks => [.. _checks];

    /// <summary>Completes once a report call has started (and waits at the gate, if held).</summary>
    public Task ReportStarted => _reportStarted.Task;

    /// <summary>Reports wait until <see cref="ReleaseReports"/>.</summary>
    public void HoldReports() => _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

    public void ReleaseReports() => _gate.TrySetResult();

    /// <summary>A client over this transport; its report batches are timed on <paramref name="time"/>.</summary>
    public GrainLimiterClient NewClient(TimeProvider time, Action<GrainLimiterClientOptions>? configure = null)
    {
        var options = new GrainLimiterClientOptions { Endpoints = [new Uri("http://fake.invalid")], Deadline = TimeSpan.FromSeconds(5) };
        configure?.Invoke(options);
        return new GrainLimiterClient(options, (_, _) => this, time);
    }

    public async ValueTask<int> ReportAsync(RequestOutcome[] outcomes, CancellationToken cancellationToken)
    {
        _reportStarted.TrySetResult();
        await _gate.Task.WaitAsync(cancellationToken);
        if (FailReports is { } failure)
        {
            throw failure;
        }

        _reports.Enqueue(outcomes);
        return outcomes.Count(o => AdaptivePolicies.Contains(o.Policy));
    }

    public ValueTask<ClusterCheckOutcome> CheckAsync(LimitCheck[] checks, CancellationToken cancellationToken)
    {
        foreach (var check in checks)
        {
            _checks.Enqueue(check);
        }

        return new(new ClusterCheckOutcome(true, [.. checks.Select(c => Admitted(c.Policy, c.Key))]));
    }

    public ValueTask<ClusterDecision> ReserveAsync(string policy, string key, long cost, CancellationToken cancellationToken) => new(Admitted(policy, key));

    public ValueTask<ClusterDecision> AcquireAsync(string policy, string key, CancellationToken cancellationToken) =>
        new(Admitted(policy, key) with { LeaseId = 1 });

    public ValueTask<ClusterDecision> ReleaseAsync(string policy, string key, long leaseId, CancellationToken cancellationToken) => new(Admitted(policy, key));

    public ValueTask<ClusterDecision> GetAsync(string policy, string key, CancellationToken cancellationToken) => new(Admitted(policy, key));

    public ValueTask<ClusterDecision> PauseAsync(string policy, string key, TimeSpan pauseFor, CancellationToken cancellationToken)
    {
        _pauses.Enqueue((policy, key, pauseFor));
        return new(Admitted(policy, key) with { Allowed = false, RetryAfter = pauseFor });
    }

    public Task<int> WarmUpAsync(TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(1);

    public bool IsOutage(Exception exception) => exception is Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Unavailable };

    public void Dispose()
    {
    }

    private ClusterDecision Admitted(string policy, string key) => new(policy, key, true, 100, 99, TimeSpan.FromSeconds(1), TimeSpan.Zero, TimeSpan.Zero,
        TimeSpan.FromSeconds(1), 0, false, policy, null, ReportOutcome: AdaptivePolicies.Contains(policy));

    private static TaskCompletionSource Completed()
    {
        var done = new TaskCompletionSource();
        done.SetResult();
        return done;
    }
}
