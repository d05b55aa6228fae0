using Envoy.Service.RateLimitQuota.V3;
using GrainLimiter.Config.Envoy;
using GrainLimiter.Grains;
using GrainLimiter.QuotaBuckets;
using Grpc.Core;

namespace GrainLimiter.Silo.Fronts.Envoy.Rlqs;

/// <summary>One Envoy's <c>StreamRateLimitQuotas</c> stream: its domain, the buckets it reported, and the actions it is sent.</summary>
/// <remarks>Used by one task at a time (the stream's loop). Every report is validated whole before any bucket hears of it.</remarks>
internal sealed class QuotaStream(string id, IGrainFactory grains, QuotaBucketDirectory directory, RlqsMetrics metrics, RlqsOptions options, TimeProvider time)
{
    private readonly Dictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private string? _domain;

    public string Id { get; } = id;

    /// <summary>Handles one usage report; answers the actions to send (possibly none).</summary>
    public async Task<RateLimitQuotaResponse> ReportAsync(RateLimitQuotaUsageReports reports)
    {
        var domain = Domain(reports.Domain);
        var usages = reports.BucketQuotaUsages;
        if (usages.Count == 0 || usages.Count > options.MaxBucketsPerStream)
        {
            throw Invalid("bucket_quota_usages", $"has {usages.Count} usage reports; between 1 and {options.MaxBucketsPerStream} are allowed.");
        }

        var keys = new string[usages.Count];
        var added = 0;
        for (var i = 0; i < usages.Count; i++)
        {
            var usage = usages[i];
            var field = $"bucket_quota_usages[{i}]";
            if (RlqsBucketKey.Problem(domain, usage.BucketId?.Bucket, options, out keys[i]) is { } problem)
            {
                throw Invalid(field + ".bucket_id.bucket", problem);
            }

            if (usage.TimeElapsed is null || usage.TimeElapsed.ToTimeSpan() <= TimeSpan.Zero)
            {
                throw Invalid(field + ".time_elapsed", "is required and must be above zero.");
            }

            added += _buckets.ContainsKey(keys[i]) || keys.AsSpan(0, i).Contains(keys[i]) ? 0 : 1;
            if (_buckets.Count + added > options.MaxBucketsPerStream)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"{field}: this stream already reports {_buckets.Count} buckets; at most {options.MaxBucketsPerStream} " +
                    $"(GrainLimiter:Envoy:Rlqs:MaxBucketsPerStream)."));
            }
        }

        var pending = new List<(Bucket Bucket, Task<QuotaAnswer?> Answer)>();
        var response = new RateLimitQuotaResponse();
        for (var i = 0; i < usages.Count; i++)
        {
            var usage = usages[i];
            var rule = directory.Rules.Find(domain, usage.BucketId.Bucket);
            if (!_buckets.TryGetValue(keys[i], out var bucket))
            {
                _buckets[keys[i]] = bucket = new Bucket(keys[i], usage.BucketId.Clone());
            }

            bucket.Rule = rule;
            if (rule is null)
            {
                // Nothing limits it: allow all, once (an assignment without TTL never expires).
                if (!bucket.ToldAllowAll)
                {
                    bucket.ToldAllowAll = true;
                    response.BucketAction.Add(QuotaActions.AllowAll(bucket.Id));
                }

                continue;
            }

            bucket.ToldAllowAll = false;
            metrics.Reported(rule.Spec.Name, usage.NumRequestsAllowed, usage.NumRequestsDenied);
            pending.Add((bucket, CallAsync(bucket, rule.Spec,
                new QuotaUsage(usage.NumRequestsAllowed, usage.NumRequestsDenied, usage.TimeElapsed.ToTimeSpan()))));
        }

        await AnswerAsync(pending, response).ConfigureAwait(false);
        return response;
    }

    /// <summary>Refreshes every bucket whose assignment is a third through its TTL, so it never lapses between reports.</summary>
    public async Task<RateLimitQuotaResponse> RefreshAsync()
    {
        var now = time.GetTimestamp();
        var pending = new List<(Bucket, Task<QuotaAnswer?>)>();
        foreach (var bucket in _buckets.Values)
        {
            if (bucket.Rule is { } rule && time.GetElapsedTime(bucket.LastCall, now) >= rule.Spec.AssignmentTtl / 3)
            {
                pending.Add((bucket, CallAsync(bucket, rule.Spec, null)));
            }
        }

        var response = new RateLimitQuotaResponse();
        await AnswerAsync(pending, response).ConfigureAwait(false);
        return response;
    }

    /// <summary>The stream ended: every bucket frees this stream's demand (its assignments count until they expire).</summary>
    public async Task LeaveAsync()
    {
        var leaving = _buckets.Values.Where(static b => b.Rule is not null).Select(async b =>
        {
            try
            {
                await grains.GetGrain<IQuotaBucketGrain>(b.Key).LeaveAsync(Id).AsTask().WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // The bucket forgets a stream it no longer hears from after two TTLs anyway.
            }
        });
        await Task.WhenAll(leaving).ConfigureAwait(false);
    }

    private async Task AnswerAsync(List<(Bucket Bucket, Task<QuotaAnswer?> Answer)> pending, RateLimitQuotaResponse response)
    {
        foreach (var (bucket, call) in pending)
        {
            switch (await call.ConfigureAwait(false))
            {
                case { Action: QuotaAction.Assign } answer:
                    response.BucketAction.Add(QuotaActions.Assign(bucket.Id, bucket.Rule!.Spec, answer));
                    break;
                case { Action: QuotaAction.Abandon }:
                    _buckets.Remove(bucket.Key);
                    response.BucketAction.Add(QuotaActions.Abandon(bucket.Id));
                    break;
            }
        }
    }

    // A bucket whose grain cannot be reached now (its silo just died) gets nothing: Envoy keeps its assignment until it
    // expires, and the next report or refresh asks again, wherever the grain is by then.
    private async Task<QuotaAnswer?> CallAsync(Bucket bucket, QuotaBucketSpec spec, QuotaUsage? usage)
    {
        bucket.LastCall = time.GetTimestamp();
        try
        {
            return await grains.GetGrain<IQuotaBucketGrain>(bucket.Key).ReportAsync(Id, spec, usage).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return null;
        }
    }

    private string Domain(string domain)
    {
        if (_domain is null)
        {
            return _domain = domain.Length > 0 ? domain : throw Invalid("domain", "must be set in the stream's first report.");
        }

        return domain.Length == 0 || domain == _domain ? _domain
            : throw Invalid("domain", $"is '{domain}' but this stream reports for '{_domain}'; open another stream for another domain.");
    }

    private static RpcException Invalid(string field, string problem) => new(new Status(StatusCode.InvalidArgument, $"{field} {problem}"));

    private sealed class Bucket(string key, BucketId id)
    {
        public string Key { get; } = key;

        public BucketId Id { get; } = id;

        public QuotaBucketRule? Rule { get; set; }

        public bool ToldAllowAll { get; set; }

        public long LastCall { get; set; }
    }
}
