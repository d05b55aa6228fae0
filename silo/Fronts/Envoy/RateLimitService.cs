using System.Collections.Concurrent;
using System.Text;
using GrainLimiter.Config.Envoy;
using GrainLimiter.Decisions;
using GrainLimiter.Protocol.Envoy.Common;
using GrainLimiter.Protocol.Envoy.RateLimit;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Checks;
using GrainLimiter.Silo.Checks.Overload;
using GrainLimiter.Silo.Policies;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using DecisionCheck = GrainLimiter.Decisions.CheckRequest;
using Unit = GrainLimiter.Protocol.Envoy.RateLimit.RateLimitResponse.Types.RateLimit.Types.Unit;

namespace GrainLimiter.Silo.Fronts.Envoy;

/// <summary>
/// <c>envoy.service.ratelimit.v3.RateLimitService/ShouldRateLimit</c> with envoyproxy/ratelimit's semantics: each
/// descriptor is matched and counted on its own (no all-or-nothing refund), the answer is OVER_LIMIT when any
/// non-shadow descriptor is over its limit, and statuses come back one per descriptor, in order.
/// </summary>
/// <remarks>Served by Grpc.AspNetCore, bound to the generated <see cref="Protocol.Envoy.RateLimit.RateLimitService"/> methods by
/// <see cref="Grpc.StrictServiceMethodProvider{TService}"/>; the attribute names the generated service for server reflection.</remarks>
[BindServiceMethod(typeof(Protocol.Envoy.RateLimit.RateLimitService), nameof(Protocol.Envoy.RateLimit.RateLimitService.BindService))]
internal sealed class RateLimitService
{
    public static string ServiceName => Protocol.Envoy.RateLimit.RateLimitService.Descriptor.FullName;

    private readonly EnvoyDescriptors _descriptors;
    private readonly CheckAdmission _admission;
    private readonly PolicyRegistry _policies;
    private readonly SiloOptions _silo;
    private readonly EnvoyOptions _options;
    private readonly DescriptorMetrics _metrics;
    private readonly ConcurrentDictionary<(uint RequestsPerUnit, Unit Unit), EnvoyLimit> _overrides = new();

    public RateLimitService(EnvoyDescriptors descriptors, CheckAdmission admission, PolicyRegistry policies, IOptions<SiloOptions> silo,
        IOptions<EnvoyOptions> options, DescriptorMetrics metrics)
    {
        _descriptors = descriptors;
        _admission = admission;
        _policies = policies;
        _silo = silo.Value;
        _options = options.Value;
        _metrics = metrics;
    }

    public async Task<RateLimitResponse> ShouldRateLimit(RateLimitRequest request, ServerCallContext context)
    {
        var plan = Plan(request);
        var response = new RateLimitResponse { OverallCode = RateLimitResponse.Types.Code.Ok };
        var limits = new EnvoyLimit?[plan.Length];
        // Each descriptor's answer its policy's failure mode made (owner_unreachable, store_unavailable), for the metadata.
        string?[]? failureModes = null;
        var (failedRateLimits, failedQuotas, quotas) = (0, 0, 0);
        for (var i = 0; i < plan.Length; i++)
        {
            var (match, key, hits) = plan[i];
            var limit = limits[i] = match?.Limit;
            var status = new RateLimitResponse.Types.DescriptorStatus { Code = RateLimitResponse.Types.Code.Ok };
            if (limit is { Unlimited: true })
            {
                status.LimitRemaining = uint.MaxValue;
            }
            else if (limit is not null)
            {
                // One check per descriptor: descriptors are independent, each is charged whatever the others answer.
                var outcome = await CheckAsync(new DecisionCheck(limit.Policy!.Name, key, hits), context).ConfigureAwait(false);
                var result = outcome.Results[0];
                var decision = result.Decision;
                status.Code = decision.Allowed ? RateLimitResponse.Types.Code.Ok : RateLimitResponse.Types.Code.OverLimit;
                status.CurrentLimit = limit.ToProto();
                status.LimitRemaining = (uint)Math.Clamp(decision.Remaining, 0, uint.MaxValue);
                status.DurationUntilReset = Duration.FromTimeSpan(decision.ResetAfter);
                _metrics.Record(match!.StatsKey, hits, decision.Allowed, result.Reason == DecisionReasons.ShadowMode, decision.Limit, decision.Remaining);
                if (result.Reason is { } reason && reason != DecisionReasons.ShadowMode)
                {
                    (failureModes ??= new string?[plan.Length])[i] = reason;
                }
            }

            // Quota mode (the descriptor's quota_mode, or GrainLimiter:Envoy:QuotaMode for all): over its limit, a quota
            // descriptor fails the request only when every quota descriptor of it does.
            var quota = _options.QuotaMode || limit is { QuotaMode: true };
            quotas += quota ? 1 : 0;
            if (status.Code == RateLimitResponse.Types.Code.OverLimit)
            {
                _ = quota ? failedQuotas++ : failedRateLimits++;
            }

            response.Statuses.Add(status);
        }

        if ((failedRateLimits > 0 || (quotas > 0 && failedQuotas == quotas)) && !_options.ShadowMode)
        {
            response.OverallCode = RateLimitResponse.Types.Code.OverLimit;
        }

        var decider = Decider(response, limits);
        if (_options.ResponseHeaders || _options.AllDescriptorHeaders)
        {
            EnvoyResponseHeaders.Add(response, limits, decider, _options);
        }

        if (_options.ResponseDynamicMetadata)
        {
            response.DynamicMetadata = EnvoyDynamicMetadata.Build(request, response, limits, decider, failureModes);
        }

        return response;
    }

    // Each descriptor is admitted on its own, by the request's deadline. Refused: RESOURCE_EXHAUSTED for the whole request (Envoy
    // applies its failure_mode_deny); descriptors counted before it stay counted, as envoyproxy/ratelimit's do on an error.
    private async ValueTask<CheckOutcome> CheckAsync(DecisionCheck check, ServerCallContext context)
    {
        try
        {
            return await _admission.CheckAsync(BadRequests.Front.Envoy, [check], null, context.Deadline, context.CancellationToken).ConfigureAwait(false);
        }
        catch (SiloOverloadedException e)
        {
            throw e.ToRpcException();
        }
    }

    /// <summary>The descriptor that decided: the first over its limit that made the answer OVER_LIMIT (a rate limit, or a
    /// quota when all quotas failed), otherwise the one with a limit closest to it; -1 when none has a limit.</summary>
    private int Decider(RateLimitResponse response, EnvoyLimit?[] limits)
    {
        var closest = -1;
        var firstQuotaOver = -1;
        for (var i = 0; i < limits.Length; i++)
        {
            var status = response.Statuses[i];
            if (status.CurrentLimit is null)
            {
                continue;
            }

            if (status.Code == RateLimitResponse.Types.Code.OverLimit)
            {
                if (!_options.QuotaMode && limits[i] is { QuotaMode: false })
                {
                    return i;
                }

                firstQuotaOver = firstQuotaOver < 0 ? i : firstQuotaOver;
            }

            if (closest < 0 || status.LimitRemaining < response.Statuses[closest].LimitRemaining)
            {
                closest = i;
            }
        }

        return response.OverallCode == RateLimitResponse.Types.Code.OverLimit && firstQuotaOver >= 0 ? firstQuotaOver : closest;
    }

    /// <summary>Validates the whole request and resolves each descriptor's limit, key and hits before anything is charged.</summary>
    private (EnvoyMatch? Match, string Key, long Hits)[] Plan(RateLimitRequest request)
    {
        if (request.Domain.Length == 0)
        {
            throw Invalid("domain", "must not be empty.");
        }

        var maxDescriptors = Math.Min(_options.MaxDescriptors, _silo.MaxChecksPerRequest);
        if (request.Descriptors.Count == 0 || request.Descriptors.Count > maxDescriptors)
        {
            throw Invalid("descriptors", $"has {request.Descriptors.Count} descriptors; between 1 and {maxDescriptors} are allowed.");
        }

        var plan = new (EnvoyMatch? Match, string Key, long Hits)[request.Descriptors.Count];
        var config = _descriptors.Config;
        var knownDomain = config.Domains.ContainsKey(request.Domain);
        for (var i = 0; i < plan.Length; i++)
        {
            var descriptor = request.Descriptors[i];
            var field = $"descriptors[{i}]";
            if (descriptor.Entries.Count == 0 || descriptor.Entries.Count > _options.MaxEntriesPerDescriptor)
            {
                throw Invalid(field + ".entries", $"has {descriptor.Entries.Count} entries; between 1 and {_options.MaxEntriesPerDescriptor} are allowed.");
            }

            for (var e = 0; e < descriptor.Entries.Count; e++)
            {
                if (descriptor.Entries[e].Key.Length == 0)
                {
                    throw Invalid($"{field}.entries[{e}].key", "must not be empty.");
                }
            }

            // The descriptor's own hits_addend wins when set (even 0: a peek); otherwise the request's, where 0 means 1.
            var hits = descriptor.HitsAddend is { } own ? own : request.HitsAddend == 0 ? 1UL : request.HitsAddend;
            if (hits > (ulong)_silo.MaxCost)
            {
                throw Invalid(descriptor.HitsAddend is null ? "hits_addend" : field + ".hits_addend", $"is {hits}; at most {_silo.MaxCost} is allowed.");
            }

            // As envoyproxy/ratelimit: an unknown domain has no limits, not even overrides.
            var match = !knownDomain ? null
                : descriptor.Limit is { } limitOverride ? Override(limitOverride, request.Domain, descriptor, field)
                : config.Match(request.Domain, descriptor.Entries);
            var key = Key(request.Domain, descriptor, match);
            var keyBytes = Encoding.UTF8.GetByteCount(key);
            if (keyBytes > _silo.MaxKeyBytes)
            {
                throw Invalid(field + ".entries",
                    $"make a {keyBytes}-byte key (domain and every key and value); at most {_silo.MaxKeyBytes} bytes are allowed.");
            }

            plan[i] = (match, key, (long)hits);
        }

        // A matched limit named in another matched limit's `replaces` does not apply.
        var replaced = plan.Where(static p => p.Match is not null).SelectMany(static p => p.Match!.Limit.Replaces).ToHashSet(StringComparer.Ordinal);
        if (replaced.Count > 0)
        {
            for (var i = 0; i < plan.Length; i++)
            {
                if (plan[i].Match?.Limit.Name is { } name && replaced.Contains(name))
                {
                    plan[i].Match = null;
                }
            }
        }

        return plan;
    }

    /// <summary>The run-time policy for a limit Envoy sent with the descriptor; one per distinct (requests, unit), bounded.</summary>
    private EnvoyMatch Override(RateLimitDescriptor.Types.RateLimitOverride limitOverride, string domain, RateLimitDescriptor descriptor, string field)
    {
        var unit = (Unit)(int)limitOverride.Unit;
        if (EnvoyOverridePolicies.For(limitOverride.RequestsPerUnit, unit) is not { } policy)
        {
            throw Invalid(field + ".limit.unit", $"{(int)limitOverride.Unit} is not a known unit; use SECOND, MINUTE, HOUR, DAY, WEEK, MONTH or YEAR.");
        }

        var id = (limitOverride.RequestsPerUnit, unit);
        if (!_overrides.TryGetValue(id, out var limit))
        {
            if (_overrides.Count >= _options.MaxLimitOverrides)
            {
                throw new RpcException(new Status(StatusCode.ResourceExhausted,
                    $"{field}.limit: this silo already serves {_options.MaxLimitOverrides} distinct limit overrides (GrainLimiter:Envoy:MaxLimitOverrides)."));
            }

            limit = _overrides.GetOrAdd(id, new EnvoyLimit
            {
                Domain = domain,
                FullKey = policy.Name,
                RequestsPerUnit = limitOverride.RequestsPerUnit,
                Unit = unit,
                Policy = _policies.GetOrAdd(policy).Definition,
            });
        }

        // Counted and reported under the descriptor's own entries, as envoyproxy/ratelimit does.
        return new EnvoyMatch(limit, domain + "." + string.Join('.', descriptor.Entries.Select(static e => EnvoyDescriptorNode.ChildKey(e.Key, e.Value))));
    }

    /// <summary>The grain key of a descriptor: its domain and every entry, escaped so different descriptors never share a key;
    /// an entry matched by a <c>share_threshold</c> wildcard is counted under the pattern, so all its values share one key.</summary>
    private static string Key(string domain, RateLimitDescriptor descriptor, EnvoyMatch? match)
    {
        var builder = EnvoyKeys.Append(new StringBuilder(domain.Length + 16 * descriptor.Entries.Count), domain);
        for (var i = 0; i < descriptor.Entries.Count; i++)
        {
            var entry = descriptor.Entries[i];
            EnvoyKeys.AppendEntry(builder, entry.Key, match?.CountedValue(i, entry.Value) ?? entry.Value);
        }

        return builder.ToString();
    }

    private static RpcException Invalid(string field, string problem) => new(new Status(StatusCode.InvalidArgument, $"{field} {problem}"));
}
