using GrainLimiter.Config.Envoy;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using GrainLimiter.Policies;
using GrainLimiter.Protocol.Envoy.Common;
using GrainLimiter.Protocol.Envoy.Core;
using GrainLimiter.Protocol.Envoy.RateLimit;
using GrainLimiter.Silo.Config;
using GrainLimiter.Silo.Runtime;
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
    public const string OverridePolicyPrefix = "envoy-override:";

    private volatile EnvoyRateLimitConfig _config;
    private readonly ILimitService _limits;
    private readonly PolicyRegistry _policies;
    private readonly SiloOptions _silo;
    private readonly EnvoyOptions _options;
    private readonly ConcurrentDictionary<(uint RequestsPerUnit, Unit Unit), EnvoyLimit> _overrides = new();

    public RateLimitService(EnvoyRateLimitConfig config, ILimitService limits, PolicyRegistry policies, IOptions<SiloOptions> silo, IOptions<EnvoyOptions> options)
    {
        _config = config;
        _limits = limits;
        _policies = policies;
        _silo = silo.Value;
        _options = options.Value;
        foreach (var limit in config.Limits)
        {
            var registered = policies.GetOrAdd(limit.Policy!);
            if (!ReferenceEquals(registered.Definition, limit.Policy))
            {
                throw new EnvoyConfigException([$"Descriptor '{limit.FullKey}' of domain '{limit.Domain}' would count under policy '{limit.Policy!.Name}', which the policy file already defines."]);
            }
        }
    }

    /// <summary>The descriptor configuration in use.</summary>
    public EnvoyRateLimitConfig Config => _config;

    /// <summary>Switches to a reloaded descriptor configuration, whose policies are already registered.</summary>
    public void Use(EnvoyRateLimitConfig config) => _config = config;

    public async Task<RateLimitResponse> ShouldRateLimit(RateLimitRequest request, ServerCallContext context)
    {
        var plan = Plan(request);
        var response = new RateLimitResponse { OverallCode = RateLimitResponse.Types.Code.Ok };
        for (var i = 0; i < plan.Length; i++)
        {
            var (limit, key, hits) = plan[i];
            var status = new RateLimitResponse.Types.DescriptorStatus { Code = RateLimitResponse.Types.Code.Ok };
            if (limit is { Unlimited: true })
            {
                status.LimitRemaining = uint.MaxValue;
            }
            else if (limit is not null)
            {
                // One check per descriptor: descriptors are independent, each is charged whatever the others answer.
                var outcome = await _limits.CheckAsync([new DecisionCheck(limit.Policy!.Name, key, hits)], context.CancellationToken).ConfigureAwait(false);
                var decision = outcome.Results[0].Decision;
                status.Code = decision.Allowed ? RateLimitResponse.Types.Code.Ok : RateLimitResponse.Types.Code.OverLimit;
                status.CurrentLimit = limit.ToProto();
                status.LimitRemaining = (uint)Math.Clamp(decision.Remaining, 0, uint.MaxValue);
                status.DurationUntilReset = Duration.FromTimeSpan(decision.ResetAfter);
                if (!decision.Allowed)
                {
                    response.OverallCode = RateLimitResponse.Types.Code.OverLimit;
                }
            }

            response.Statuses.Add(status);
        }

        if (_options.ResponseHeaders)
        {
            AddHeaders(response);
        }

        return response;
    }

    /// <summary>Validates the whole request and resolves each descriptor's limit, key and hits before anything is charged.</summary>
    private (EnvoyLimit? Limit, string Key, long Hits)[] Plan(RateLimitRequest request)
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

        var plan = new (EnvoyLimit? Limit, string Key, long Hits)[request.Descriptors.Count];
        var knownDomain = _config.Domains.ContainsKey(request.Domain);
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

            var key = Key(request.Domain, descriptor);
            var keyBytes = Encoding.UTF8.GetByteCount(key);
            if (keyBytes > _silo.MaxKeyBytes)
            {
                throw Invalid(field + ".entries", $"make a {keyBytes}-byte key (domain and every key and value); at most {_silo.MaxKeyBytes} bytes are allowed.");
            }

            // As envoyproxy/ratelimit: an unknown domain has no limits, not even overrides.
            var limit = !knownDomain ? null
                : descriptor.Limit is { } limitOverride ? Override(limitOverride, request.Domain, descriptor, field)
                : _config.Match(request.Domain, descriptor.Entries);
            plan[i] = (limit, key, (long)hits);
        }

        // A matched limit named in another matched limit's `replaces` does not apply.
        var replaced = plan.Where(static p => p.Limit is not null).SelectMany(static p => p.Limit!.Replaces).ToHashSet(StringComparer.Ordinal);
        if (replaced.Count > 0)
        {
            for (var i = 0; i < plan.Length; i++)
            {
                if (plan[i].Limit?.Name is { } name && replaced.Contains(name))
                {
                    plan[i].Limit = null;
                }
            }
        }

        return plan;
    }

    /// <summary>The run-time policy for a limit Envoy sent with the descriptor; one per distinct (requests, unit), bounded.</summary>
    private EnvoyLimit Override(RateLimitDescriptor.Types.RateLimitOverride limitOverride, string domain, RateLimitDescriptor descriptor, string field)
    {
        var unit = (Unit)(int)limitOverride.Unit;
        if (EnvoyUnit.Window(unit) is not { } window)
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

            var name = $"{OverridePolicyPrefix}{limitOverride.RequestsPerUnit}/{unit.ToString().ToLowerInvariant()}";
            var policy = new PolicyDefinition
            {
                Name = name,
                Limits = [new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = limitOverride.RequestsPerUnit, Window = window, Name = name }],
            };
            limit = _overrides.GetOrAdd(id, new EnvoyLimit
            {
                Domain = domain,
                FullKey = name,
                RequestsPerUnit = limitOverride.RequestsPerUnit,
                Unit = unit,
                Policy = _policies.GetOrAdd(policy).Definition,
            });
        }

        return limit;
    }

    /// <summary>The grain key of a descriptor: its domain and every entry, escaped so different descriptors never share a key.</summary>
    private static string Key(string domain, RateLimitDescriptor descriptor)
    {
        var builder = new StringBuilder(domain.Length + 16 * descriptor.Entries.Count);
        Escape(builder, domain);
        foreach (var entry in descriptor.Entries)
        {
            builder.Append('|');
            Escape(builder, entry.Key);
            builder.Append('=');
            Escape(builder, entry.Value);
        }

        return builder.ToString();
    }

    private static void Escape(StringBuilder builder, string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '%' => builder.Append("%25"),
                '|' => builder.Append("%7C"),
                '=' => builder.Append("%3D"),
                _ => builder.Append(c),
            };
        }
    }

    /// <summary>The headers of the descriptor closest to its limit, as envoyproxy/ratelimit adds them.</summary>
    private void AddHeaders(RateLimitResponse response)
    {
        RateLimitResponse.Types.DescriptorStatus? tightest = null;
        foreach (var status in response.Statuses)
        {
            if (status.CurrentLimit is not null && (tightest is null || status.LimitRemaining < tightest.LimitRemaining))
            {
                tightest = status;
            }
        }

        if (tightest is null)
        {
            return;
        }

        response.ResponseHeadersToAdd.Add(new HeaderValue { Key = _options.LimitHeader, Value = tightest.CurrentLimit.RequestsPerUnit.ToString(CultureInfo.InvariantCulture) });
        response.ResponseHeadersToAdd.Add(new HeaderValue { Key = _options.RemainingHeader, Value = tightest.LimitRemaining.ToString(CultureInfo.InvariantCulture) });
        response.ResponseHeadersToAdd.Add(new HeaderValue { Key = _options.ResetHeader, Value = (tightest.DurationUntilReset?.Seconds ?? 0).ToString(CultureInfo.InvariantCulture) });
    }

    private static RpcException Invalid(string field, string problem) => new(new Status(StatusCode.InvalidArgument, $"{field} {problem}"));
}
