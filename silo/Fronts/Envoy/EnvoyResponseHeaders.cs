using System.Globalization;
using System.Text;
using GrainLimiter.Config.Envoy;
using GrainLimiter.Decisions;
using GrainLimiter.Protocol.Envoy.Core;
using GrainLimiter.Protocol.Envoy.RateLimit;

namespace GrainLimiter.Silo.Fronts.Envoy;

/// <summary>The headers a ShouldRateLimit answer asks Envoy to add: <c>RateLimit-Limit/Remaining/Reset</c> of the
/// descriptor that decided (envoyproxy/ratelimit's <c>LIMIT_RESPONSE_HEADERS_ENABLED</c>) and, with
/// <see cref="EnvoyOptions.AllDescriptorHeaders"/>, every descriptor with a limit in <c>RateLimit-Policy</c> / <c>RateLimit</c>.</summary>
internal static class EnvoyResponseHeaders
{
    public static void Add(RateLimitResponse response, IReadOnlyList<EnvoyLimit?> limits, int decider, EnvoyOptions options)
    {
        if (decider < 0)
        {
            return;
        }

        var decided = response.Statuses[decider];
        Add(response, options.LimitHeader, decided.CurrentLimit.RequestsPerUnit.ToString(CultureInfo.InvariantCulture));
        Add(response, options.RemainingHeader, decided.LimitRemaining.ToString(CultureInfo.InvariantCulture));
        Add(response, options.ResetHeader, (decided.DurationUntilReset?.Seconds ?? 0).ToString(CultureInfo.InvariantCulture));
        if (!options.AllDescriptorHeaders)
        {
            return;
        }

        var policy = new StringBuilder();
        var state = new StringBuilder();
        for (var i = 0; i < response.Statuses.Count; i++)
        {
            var status = response.Statuses[i];
            if (status.CurrentLimit is null || limits[i] is not { } limit)
            {
                continue;
            }

            var name = limit.Name ?? limit.FullKey;
            var window = EnvoyUnit.Window(status.CurrentLimit.Unit) ?? TimeSpan.Zero;
            RateLimitHeaderItems.AppendPolicy(policy, name, status.CurrentLimit.RequestsPerUnit, DecisionTimes.Seconds(window));
            RateLimitHeaderItems.AppendState(state, name, status.LimitRemaining, status.DurationUntilReset?.Seconds ?? 0);
        }

        Add(response, options.PolicyHeader, policy.ToString());
        Add(response, options.StateHeader, state.ToString());
    }

    private static void Add(RateLimitResponse response, string name, string value) =>
        response.ResponseHeadersToAdd.Add(new HeaderValue { Key = name, Value = value });
}
