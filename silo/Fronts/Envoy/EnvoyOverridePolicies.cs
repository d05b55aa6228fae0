using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using GrainLimiter.Config.Envoy;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Policies;
using Unit = GrainLimiter.Protocol.Envoy.RateLimit.RateLimitResponse.Types.RateLimit.Types.Unit;

namespace GrainLimiter.Silo.Fronts.Envoy;

/// <summary>The policy of a limit Envoy sends with a descriptor (its <c>limit</c> override): a fixed window named
/// <c>envoy-override:{requests}/{unit}</c>, so the silo a key's grain lives on rebuilds it from the name alone.</summary>
internal sealed class EnvoyOverridePolicies : IRunTimePolicies
{
    private const string Prefix = "envoy-override:";

    /// <summary>The policy of <paramref name="requestsPerUnit"/> per <paramref name="unit"/>; null for a unit with no window.</summary>
    public static PolicyDefinition? For(uint requestsPerUnit, Unit unit)
    {
        if (EnvoyUnit.Window(unit) is not { } window)
        {
            return null;
        }

        var name = $"{Prefix}{requestsPerUnit.ToString(CultureInfo.InvariantCulture)}/{unit.ToString().ToLowerInvariant()}";
        return new PolicyDefinition
        {
            Name = name,
            Limits = [new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = requestsPerUnit, Window = window, Name = name }],
        };
    }

    /// <summary>Only the names <see cref="For"/> writes: digits without leading zeros, a unit in lower case.</summary>
    public bool TryRebuild(string name, [NotNullWhen(true)] out PolicyDefinition? definition)
    {
        definition = null;
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = name.AsSpan(Prefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0
            || !uint.TryParse(rest[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var requests)
            || !EnvoyUnit.TryParse(rest[(slash + 1)..].ToString(), out var unit))
        {
            return false;
        }

        definition = For(requests, unit);
        if (definition?.Name != name)
        {
            definition = null;
        }

        return definition is not null;
    }
}
