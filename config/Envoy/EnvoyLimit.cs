using Google.Protobuf.WellKnownTypes;
using GrainLimiter.Policies;
using GrainLimiter.Protocol.Envoy.RateLimit;

namespace GrainLimiter.Config.Envoy;

/// <summary>A <c>rate_limit</c> of the descriptor configuration, bound to the policy whose grains count it.</summary>
public sealed record EnvoyLimit
{
    public required string Domain { get; init; }

    /// <summary>envoyproxy/ratelimit's full key of the descriptor, e.g. <c>domain.key_value.key2</c>.</summary>
    public required string FullKey { get; init; }

    public required uint RequestsPerUnit { get; init; }

    public required RateLimitResponse.Types.RateLimit.Types.Unit Unit { get; init; }

    /// <summary>Never limited: not counted, answered OK with remaining = uint.MaxValue.</summary>
    public bool Unlimited { get; init; }

    /// <summary>The <c>name</c> other limits' <c>replaces</c> refer to; reported in <c>current_limit.name</c>.</summary>
    public string? Name { get; init; }

    public IReadOnlyList<string> Replaces { get; init; } = [];

    public bool ShadowMode { get; init; }

    /// <summary><c>quota_mode</c>: over its limit, this descriptor fails the request only when every quota descriptor of it does.</summary>
    public bool QuotaMode { get; init; }

    /// <summary><c>detailed_metric</c>: metrics go under the request's values (<see cref="EnvoyMatch.StatsKey"/>).</summary>
    public bool DetailedMetric { get; init; }

    /// <summary>The descriptor's <c>metadata</c>: merged into the response's dynamic metadata when this limit passes.</summary>
    public Struct? Metadata { get; init; }

    public LimitAlgorithmKind Algorithm { get; init; } = LimitAlgorithmKind.FixedWindow;

    /// <summary>The policy this limit runs as (null when unlimited).</summary>
    public PolicyDefinition? Policy { get; init; }

    public RateLimitResponse.Types.RateLimit ToProto() => new()
    {
        RequestsPerUnit = RequestsPerUnit,
        Unit = Unit,
        Name = Name ?? "",
    };
}
