using GrainLimiter.QuotaBuckets;

namespace GrainLimiter.Grains;

/// <summary>One Rate Limit Quota Service bucket (domain and bucket id): shares its limit among the streams reporting it.</summary>
/// <remarks>The key is the bucket's canonical form (<c>RlqsBucketKey</c>); time is the hosting silo's clock.</remarks>
[Alias("GrainLimiter.IQuotaBucketGrain")]
public interface IQuotaBucketGrain : IGrainWithStringKey
{
    /// <summary>A stream's report (<paramref name="usage"/> null: a refresh without new usage); answers its assignment.</summary>
    [Alias("Report")]
    ValueTask<QuotaAnswer> ReportAsync(string stream, QuotaBucketSpec spec, QuotaUsage? usage);

    /// <summary>The stream closed: its demand goes; its assignments still count until they expire.</summary>
    [Alias("Leave")]
    ValueTask LeaveAsync(string stream);

    /// <summary>Admin: the bucket's streams, demands and assignments.</summary>
    [Alias("Inspect")]
    ValueTask<QuotaBucketView> InspectAsync();
}
