using System.Threading.RateLimiting;
using GrainLimiter.Client.AspNetCore.Responses;
using GrainLimiter.Client.Decisions;

namespace GrainLimiter.Client.AspNetCore.RateLimiting;

/// <summary>A lease from the cluster's decision: acquired when every check passed; a denial carries retry-after and the reason.</summary>
internal sealed class ClusterLease : RateLimitLease
{
    /// <summary>What <c>AttemptAcquire</c> answers: a remote decision cannot be made synchronously, so "not acquired, nothing charged",
    /// after which ASP.NET Core's middleware (and any careful caller) goes on to <c>AcquireAsync</c>.</summary>
    public static readonly ClusterLease Undecided = new(new ClusterCheckOutcome(false, []));

    private readonly ClusterCheckOutcome _outcome;
    private readonly TimeSpan? _retryAfter;
    private readonly string? _reason;

    public ClusterLease(ClusterCheckOutcome outcome)
    {
        _outcome = outcome;
        if (!outcome.Allowed && outcome.Decisions.Length > 0)
        {
            _retryAfter = RateLimitResponse.RetryAfter(outcome);
            _reason = RateLimitResponse.Detail(outcome);
        }
    }

    public override bool IsAcquired => _outcome.Allowed;

    public ClusterCheckOutcome Outcome => _outcome;

    public override IEnumerable<string> MetadataNames
    {
        get
        {
            yield return GrainLimiterMetadata.Outcome.Name;
            if (_retryAfter is not null)
            {
                yield return MetadataName.RetryAfter.Name;
            }

            if (_reason is not null)
            {
                yield return MetadataName.ReasonPhrase.Name;
            }
        }
    }

    public override bool TryGetMetadata(string metadataName, out object? metadata)
    {
        metadata = metadataName switch
        {
            _ when metadataName == GrainLimiterMetadata.Outcome.Name => _outcome,
            _ when metadataName == MetadataName.RetryAfter.Name => _retryAfter,
            _ when metadataName == MetadataName.ReasonPhrase.Name => _reason,
            _ => null,
        };
        return metadata is not null;
    }
}
