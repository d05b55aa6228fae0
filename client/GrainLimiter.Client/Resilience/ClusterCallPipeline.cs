using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace GrainLimiter.Client.Resilience;

/// <summary>The Polly pipeline around every cluster call: a circuit breaker outside a timeout of one deadline.</summary>
/// <remarks>
/// The timeout bounds the whole call, failover included, so a caller never waits longer than the deadline. The breaker
/// counts timeouts and outages (not bad input): once the cluster is clearly down, calls get the failure mode's answer at
/// once instead of each spending a deadline.
/// </remarks>
internal static class ClusterCallPipeline
{
    public static ResiliencePipeline Build(GrainLimiterClientOptions options, ClientMetrics metrics, Func<Exception, bool> isTransportOutage) =>
        Build(options, options.Deadline, metrics.CircuitOpened, isTransportOutage);

    /// <summary>The reports' own pipeline: a report (advisory, off every request's path) waits the longer report deadline, and
    /// failing reports open a circuit of their own, never the decisions' one.</summary>
    public static ResiliencePipeline BuildForReports(GrainLimiterClientOptions options, Func<Exception, bool> isTransportOutage) =>
        Build(options, options.ReportDeadline, opened: null, isTransportOutage);

    private static ResiliencePipeline Build(GrainLimiterClientOptions options, TimeSpan deadline, Action? opened, Func<Exception, bool> isTransportOutage) =>
        new ResiliencePipelineBuilder()
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                FailureRatio = options.CircuitBreakerFailureRatio,
                MinimumThroughput = options.CircuitBreakerMinimumThroughput,
                SamplingDuration = options.CircuitBreakerSamplingDuration,
                BreakDuration = options.CircuitBreakerBreakDuration,
                ShouldHandle = new PredicateBuilder().Handle<Exception>(e => IsOutage(e, isTransportOutage)),
                OnOpened = _ =>
                {
                    opened?.Invoke();
                    return default;
                },
            })
            .AddTimeout(new TimeoutStrategyOptions { Timeout = deadline })
            .Build();

    /// <summary>Whether a failure means the cluster could not answer (as opposed to a bad request, which it answered).</summary>
    public static bool IsOutage(Exception exception, Func<Exception, bool> isTransportOutage) =>
        exception is TimeoutRejectedException or BrokenCircuitException || isTransportOutage(exception);
}
