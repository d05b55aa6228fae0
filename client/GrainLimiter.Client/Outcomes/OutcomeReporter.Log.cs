using Microsoft.Extensions.Logging;

namespace GrainLimiter.Client.Outcomes;

internal sealed partial class OutcomeReporter
{
    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "A report of {Outcomes} outcome(s) failed; they are dropped (outcomes are advisory). "
            + "Further failures are logged at debug level until a report succeeds.")]
        public static partial void ReportFailed(ILogger logger, int outcomes, Exception exception);

        [LoggerMessage(2, LogLevel.Debug, "A report of {Outcomes} outcome(s) failed; they are dropped.")]
        public static partial void ReportStillFailing(ILogger logger, int outcomes, Exception exception);

        [LoggerMessage(3, LogLevel.Information, "Reports reach the cluster again ({Outcomes} outcome(s) sent, {Accepted} counted by adaptive limits).")]
        public static partial void ReportsResumed(ILogger logger, int outcomes, int accepted);
    }
}
