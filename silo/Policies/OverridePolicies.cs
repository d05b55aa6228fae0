using GrainLimiter.Config.Envoy;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using GrainLimiter.Policies;
using GrainLimiter.Silo.Fronts.Envoy;

namespace GrainLimiter.Silo.Policies;

/// <summary>Policies made at run time whose name is their whole definition, so any silo can rebuild them.</summary>
/// <remarks>
/// The Envoy front turns a request's <c>limit</c> override into the policy <c>envoy-override:{requests}/{unit}</c>
/// (a fixed window). Only the silo that took the request registered it; the grain of that key may live on
/// another silo, which rebuilds the same definition from the name.
/// </remarks>
internal static class OverridePolicies
{
    public static bool TryParse(string name, [NotNullWhen(true)] out PolicyDefinition? definition)
    {
        definition = null;
        if (!name.StartsWith(RateLimitService.OverridePolicyPrefix, StringComparison.Ordinal))
        {
            return false;
        }

        var rest = name.AsSpan(RateLimitService.OverridePolicyPrefix.Length);
        var slash = rest.IndexOf('/');
        if (slash <= 0
            || !uint.TryParse(rest[..slash], NumberStyles.None, CultureInfo.InvariantCulture, out var requests)
            || requests.ToString(CultureInfo.InvariantCulture).Length != slash
            || !EnvoyUnit.TryParse(rest[(slash + 1)..].ToString(), out var unit)
            || EnvoyUnit.Window(unit) is not { } window
            || !rest[(slash + 1)..].SequenceEqual(unit.ToString().ToLowerInvariant()))
        {
            return false;
        }

        // The same definition RateLimitService builds for the override.
        definition = new PolicyDefinition
        {
            Name = name,
            Limits = [new LimitSpec { Algorithm = LimitAlgorithmKind.FixedWindow, Limit = requests, Window = window, Name = name }],
        };
        return true;
    }
}
